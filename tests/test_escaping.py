"""Markup in every input file stays text in every output: HTML pages escape it, CSVs meant for spreadsheets defuse it.

One build of the fixture appendix with markup in a chapter title, a section title, a question, a tag, a reference
title, the decisions file (ids, reviewer, note, texts), the alias file, an external bank and its registry name; then
every HTML file under reports/ is searched for the markup as markup.
"""

import csv
import io as stdio

import pytest

from conftest import FIXTURE_APPENDIX, run_cli

MARK = "<script>alert(1)</script>"
IMG = '<img src=x onerror="alert(2)">'


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("markup")
    text = FIXTURE_APPENDIX.read_text(encoding="utf-8")
    for before, after in [
        ("Chapter 1 — Foundations", f"Chapter 1 — Foundations {MARK}"),
        ("1.2 Architecture", f"1.2 Architecture {IMG}"),
        ("What is Mixture of Experts (MoE)?", f"What is Mixture of Experts (MoE) {MARK}?"),
        ("[tradeoff] - How does FlashAttention", f"[{MARK}] - How does FlashAttention"),
        ("| Attention Is All You Need |", f"| Attention Is All You Need {IMG} |"),
    ]:
        assert before in text, before
        text = text.replace(before, after, 1)
    source = folder / "appendix.txt"
    source.write_text(text, encoding="utf-8")
    raw = folder / "raw"
    (raw / "external").mkdir(parents=True)
    (raw / "external" / "bank.md").write_text(f"# Bank\n\n## Section {MARK}\n\n1. What is attention {IMG}?\n2. Why does MoE routing matter {MARK}?\n", encoding="utf-8")
    (raw / "external_banks.csv").write_text("bank_id,name,file,source,licence,layout,question_level,stated_as\n"
                                            f'b,"Bank {MARK}",external/bank.md,"src {IMG}",MIT,numbered,,\n', encoding="utf-8")  # fmt: skip
    aliases = folder / "aliases.csv"
    aliases.write_text(f'ref_title,term\n"Attention Is All You Need {IMG}",scaled dot-product attention\n', encoding="utf-8")
    generic = folder / "generic.csv"
    generic.write_text(f"term,why\nLLM,{MARK}\n", encoding="utf-8")
    warehouse, reports = folder / "wh", folder / "rep"
    decisions = folder / "decisions.csv"
    decisions.write_text("question_id_a,question_id_b,verdict,reviewer,date,note\n", encoding="utf-8")
    steps = [
        ("ingest", "--source", str(source), "--warehouse", str(warehouse)),
        ("external", "--warehouse", str(warehouse), "--registry", str(raw / "external_banks.csv")),
        ("dedup", "--warehouse", str(warehouse), "--decisions", str(decisions), "--reports", str(reports), "--embeddings", "off"),
    ]
    for step in steps:
        assert run_cli(*step).returncode == 0, step
    pairs = list(csv.DictReader(stdio.StringIO((reports / "duplicates.csv").read_text(encoding="utf-8"))))
    rows = [f'{pairs[0]["question_id_a"]},{pairs[0]["question_id_b"]},distinct,"{MARK}",2026-11-01,"=HYPERLINK(""x"") {IMG}"',
            f'q{MARK},qgone,duplicate,ana,2026-11-01,"{MARK}"']  # fmt: skip
    decisions.write_text("question_id_a,question_id_b,verdict,reviewer,date,note\n" + "\n".join(rows) + "\n", encoding="utf-8")
    for step in [
        steps[2],
        ("overlap", "--warehouse", str(warehouse), "--reports", str(reports), "--embeddings", "off"),
        ("check", "--warehouse", str(warehouse), "--reports", str(reports)),
        ("warehouse", "--warehouse", str(warehouse), "--aliases", str(aliases), "--generic-terms", str(generic)),
        ("report", "--warehouse", str(warehouse), "--reports", str(reports)),
    ]:
        result = run_cli(*step)
        assert result.returncode == 0, (step, result.stderr)
    return reports


def test_every_page_escapes_every_value(built):
    pages = sorted(built.rglob("*.html"))
    assert {p.name for p in pages} >= {"duplicates.html", "coverage.html", "external_coverage.html", "quality.html"}
    for page in pages:
        text = page.read_text(encoding="utf-8")
        for markup in ("<script>alert", "<img src=x", "onerror=\"alert"):
            assert markup not in text, f"{page.name} holds {markup!r} as markup"
    shown = {"coverage.html": "&lt;img src=x", "external_coverage.html": "&lt;script&gt;alert(1)", "quality.html": "&lt;script&gt;alert(1)",
             "duplicates.html": "\\u003cscript\\u003ealert(1)"}  # the markup reached each page, as text  # fmt: skip
    for name, text in shown.items():
        assert text in (built / name).read_text(encoding="utf-8"), name


def test_the_review_csv_defuses_formulas(built):
    rows = list(csv.reader(stdio.StringIO((built / "duplicates.csv").read_text(encoding="utf-8"))))
    cells = [cell for row in rows[1:] for cell in row]
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@")]
    assert any(cell.startswith("'=HYPERLINK") for cell in cells)
