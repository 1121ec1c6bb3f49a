"""Markup in every input file stays text in every output: HTML pages escape it, CSVs meant for spreadsheets defuse it.

One build of the fixture appendix with markup in a chapter title, a section title, a question, a tag, a reference
title, the decisions file (ids, reviewer, note, texts), the alias file, an external bank and its registry name; then
every HTML file under reports/ is searched for the markup as markup.
"""

import csv
import io as stdio

import pytest

from helpers import FIXTURE_APPENDIX, run_cli, stage_cli, work_area

MARK = "<script>alert(1)</script>"
IMG = '<img src=x onerror="alert(2)">'
SMUGGLED = "\x1b[31m\x07\x00 @octocat <svg onload=alert(3)> **bold** [link](https://example.com)"
CONTROLS = ("\x1b", "\x07", "\x00")
OUTPUTS = []  # what every step printed: a terminal must get no raw control character either


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("markup")
    text = FIXTURE_APPENDIX.read_text(encoding="utf-8")
    for before, after in [
        ("Chapter 1 — Foundations", f"Chapter 1 — Foundations {MARK}"),
        ("1.2 Architecture", f"1.2 Architecture {IMG}"),
        ("What is Mixture of Experts (MoE)?", f"What is Mixture of Experts (MoE) {MARK} {SMUGGLED}?"),
        ("[tradeoff] - How does FlashAttention", f"[{MARK}] - How does FlashAttention"),
        ("| Attention Is All You Need |", f"| Attention Is All You Need {IMG} |"),
    ]:
        assert before in text, before
        text = text.replace(before, after, 1)
    source = folder / "appendix.txt"
    source.write_text(text, encoding="utf-8")
    raw = folder / "raw"
    (raw / "external").mkdir(parents=True)
    (raw / "external" / "bank.md").write_text(
        f"# Bank\n\n## Section {MARK}\n\n1. What is attention {IMG}?\n2. Why does MoE routing matter {MARK}?\n"
        f"3. Who is {SMUGGLED}?\n",
        encoding="utf-8",
    )
    (raw / "external_banks.csv").write_text(
        "bank_id,name,file,source,licence,layout,question_level,stated_as\n"
        f'b,"Bank {MARK}",external/bank.md,"src {IMG}",MIT,numbered,,\n',
        encoding="utf-8",
    )
    aliases = folder / "aliases.csv"
    aliases.write_text(f'ref_title,term\n"Attention Is All You Need {IMG}",scaled dot-product attention\n', encoding="utf-8")
    generic = folder / "generic.csv"
    generic.write_text(f"term,why\nLLM,{MARK}\n", encoding="utf-8")
    decisions = folder / "decisions.csv"
    decisions.write_text("question_id_a,question_id_b,verdict,reviewer,date,note\n", encoding="utf-8")
    tag_decisions = folder / "tags.csv"
    tag_decisions.write_text("question_id,label,verdict,reviewer,date,note\n", encoding="utf-8")
    inputs = {"EXTERNAL_BANKS": raw / "external_banks.csv", "DECISIONS": decisions, "TAG_DECISIONS": tag_decisions,
              "ALIASES": aliases, "GENERIC_TERMS": generic}  # fmt: skip
    first = stage_cli("dedup", source, folder, **inputs)  # each stage as a user runs it: through the runner
    assert first.returncode == 0, first.stderr
    OUTPUTS.append(first.stdout + first.stderr)
    warehouse, reports = work_area(folder)
    pairs = list(csv.DictReader(stdio.StringIO((reports / "duplicates.csv").read_text(encoding="utf-8"))))
    rows = [
        f'{pairs[0]["question_id_a"]},{pairs[0]["question_id_b"]},distinct,"{MARK}",2026-11-01,"=HYPERLINK(""x"") {IMG}"',
        f'q{MARK},qgone,duplicate,ana,2026-11-01,"{MARK}"',
    ]
    decisions.write_text("question_id_a,question_id_b,verdict,reviewer,date,note\n" + "\n".join(rows) + "\n", encoding="utf-8")
    for step in [
        ("changes",),  # the whole build, with the decisions that name markup
        ("report",),
        ("gate", "--reports", str(reports)),
        ("sql", "select text from questions where text like '%octocat%'", "--warehouse", str(warehouse)),
    ]:
        result = stage_cli(step[0], source, folder, **inputs) if len(step) == 1 else run_cli(*step)
        assert result.returncode in ((0, 1) if step[0] == "gate" else (0,)), (step, result.stderr)
        OUTPUTS.append(result.stdout + result.stderr)
    return reports


def test_every_page_escapes_every_value(built):
    pages = sorted(built.rglob("*.html"))
    assert {p.name for p in pages} >= {"duplicates.html", "coverage.html", "external_coverage.html", "quality.html"}
    for page in pages:
        text = page.read_text(encoding="utf-8")
        for markup in ("<script>alert", "<img src=x", 'onerror="alert'):
            assert markup not in text, f"{page.name} holds {markup!r} as markup"
    shown = {
        "coverage.html": "&lt;img src=x",
        "external_coverage.html": "&lt;script&gt;alert(1)",
        "quality.html": "&lt;script&gt;alert(1)",
        "duplicates.html": "\\u003cscript\\u003ealert(1)",
    }  # the markup reached each page, as text
    for name, text in shown.items():
        assert text in (built / name).read_text(encoding="utf-8"), name


def test_the_review_csv_defuses_formulas(built):
    rows = list(csv.reader(stdio.StringIO((built / "duplicates.csv").read_text(encoding="utf-8"))))
    cells = [cell for row in rows[1:] for cell in row]
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@")]
    assert any(cell.startswith("'=HYPERLINK") for cell in cells)


def test_no_raw_control_character_reaches_a_page_a_markdown_report_or_the_terminal(built):
    files = sorted(built.rglob("*.html")) + sorted(built.rglob("*.md"))
    assert {p.name for p in files} >= {"coverage.md", "external_coverage.md", "tag_audit.md", "duplicates.html", "tag_audit.html"}
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert not [c for c in CONTROLS if c in text], path.name
    assert "\\x1b[31m\\x07\\x00" in (built / "external_coverage.html").read_text(encoding="utf-8")  # shown, written out
    assert len(OUTPUTS) == 5 and any("octocat" in out for out in OUTPUTS)  # dedup, changes, report, gate, sql
    for out in OUTPUTS:
        assert not [c for c in CONTROLS if c in out], out[:300]


def test_markdown_reports_render_data_as_text_with_no_markup_and_no_mention(built):
    from markdown_it import MarkdownIt

    renderer = MarkdownIt("commonmark", {"html": True}).enable("table")  # as GitHub would: raw HTML allowed
    for name in ("coverage.md", "external_coverage.md", "tag_audit.md"):
        html = renderer.render((built / name).read_text(encoding="utf-8"))
        for markup in ("<script", "<img src=x", "<svg", '<a href="https://example.com', "<strong>bold"):
            assert markup not in html, f"{name} renders {markup!r}"
        assert "@octocat" not in html, name
    shown = renderer.render((built / "external_coverage.md").read_text(encoding="utf-8"))
    assert "&lt;svg onload=alert(3)&gt; **bold** [link](https://example.com)" in shown  # the text, as text


def test_markdown_text_escapes_each_kind_of_markup():
    from pipeline.escaping import markdown_text

    assert markdown_text("a | b") == "a \\| b"
    assert markdown_text("<b>x</b> & y") == "&lt;b&gt;x&lt;/b&gt; &amp; y"
    assert markdown_text("ping @octocat, mail a@b") == "ping @&#8203;octocat, mail a@&#8203;b"
    assert markdown_text("line one\nline two") == "line one line two"
    assert markdown_text("\x1b[2J") == "\\\\x1b\\[2J"
    assert markdown_text(None) == ""
