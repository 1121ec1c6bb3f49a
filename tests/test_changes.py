"""What an edit did to the bank (issue #22): questions matched across versions, against changes written before the
matcher (tests/data/changes/expected.json)."""

import json

import pytest

from helpers import FIXTURE_APPENDIX, REAL_APPENDIX, ROOT
from pipeline.changes.match import EDIT_SIMILARITY, match_questions, question_changes
from pipeline.ingest.parse import parse_appendix

CHANGES = ROOT / "tests" / "data" / "changes"


def questions(path):
    return parse_appendix(path.read_text(encoding="utf-8"))["questions"]


def test_each_edit_is_reported_exactly_and_nothing_unchanged_is_reported():
    expected = json.loads((CHANGES / "expected.json").read_text(encoding="utf-8"))["questions"]
    got = question_changes(questions(FIXTURE_APPENDIX), questions(CHANGES / "edited.txt"))
    assert [{k: r[k] for k in ("label", "text", "tag")} for r in got["added"]] == expected["added"]
    assert [{k: r[k] for k in ("base_label", "text", "tag")} for r in got["removed"]] == expected["removed"]
    for kind in ("edited", "retagged", "moved"):
        assert got[kind] == expected[kind], kind
    assert got["unchanged"] == expected["unchanged"]


def test_an_unchanged_bank_has_no_changes_and_renumbering_alone_is_none():
    real = questions(REAL_APPENDIX)
    assert question_changes(real, real) == {
        "added": [],
        "removed": [],
        "edited": [],
        "retagged": [],
        "moved": [],
        "unchanged": len(real),
    }
    inserted = REAL_APPENDIX.read_text(encoding="utf-8").replace("1.1 ", "1.1 ", 1)
    lines = inserted.splitlines(keepends=True)
    first = next(i for i, line in enumerate(lines) if line.startswith("- "))
    lines[first] = "- What is a token, and why not whole words?\n[conceptual] " + lines[first]
    got = question_changes(real, parse_appendix("".join(lines))["questions"])
    assert [r["text"] for r in got["added"]] == ["What is a token, and why not whole words?"]
    assert got["unchanged"] == len(real) and not got["edited"] + got["retagged"] + got["moved"] + got["removed"]


@pytest.mark.parametrize(
    "old, new, same",
    [
        ("Explain LoRA. Why does a low-rank update work?", "Explain LoRA. Why does a low-rank update help?", True),
        ("What is QLoRA and how does it reduce memory further?", "What is ZeRO / FSDP and how does it reduce memory?", False),
    ],
)
def test_text_alone_matches_an_edit_and_not_a_sibling_question(old, new, same):
    base = [{"text": old, "section_id": "1.1"}, {"text": "Anything else entirely?", "section_id": "1.1"}]
    current = [{"text": new, "section_id": "2.1"}]  # another section: no full-rewrite slot to fall back on
    assert (match_questions(base, current) == [(0, 0)]) is same
    assert 0.78 < EDIT_SIMILARITY < 0.89


def test_the_changes_command_compares_two_builds(tmp_path, capsys):
    from helpers import call_cli

    for name, source in (("base", FIXTURE_APPENDIX), ("now", CHANGES / "edited.txt")):
        assert call_cli("ingest", "--source", str(source), "--warehouse", str(tmp_path / name)) == 0
    out = tmp_path / "changes.json"
    assert (
        call_cli("changes", "--base-warehouse", str(tmp_path / "base"), "--warehouse", str(tmp_path / "now"), "--json", str(out))
        == 0
    )
    assert "changes: 2 added, 1 removed, 3 edited, 2 retagged, 1 moved, 9 unchanged" in capsys.readouterr().out
    assert json.loads(out.read_text(encoding="utf-8"))["questions"]["moved"][0]["base_section_id"] == "1.2"


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory):
    """The fixture bank and its week of edits, each built through dedup and the checks (embeddings off)."""
    from helpers import call_cli

    folder = tmp_path_factory.mktemp("changes")
    decisions, tags = folder / "decisions.csv", folder / "tags.csv"
    decisions.write_text("question_id_a,question_id_b,verdict,reviewer,date,note\n", encoding="utf-8")
    tags.write_text("question_id,label,verdict,reviewer,date,note\n", encoding="utf-8")
    for name, source in (("base", FIXTURE_APPENDIX), ("now", CHANGES / "edited.txt")):
        wh, rep = folder / name / "wh", folder / name / "rep"
        for step in (
            ("ingest", "--source", str(source), "--warehouse", str(wh)),
            ("dedup", "--warehouse", str(wh), "--decisions", str(decisions), "--reports", str(rep), "--embeddings", "off"),
            ("check", "--warehouse", str(wh), "--reports", str(rep)),
        ):
            assert call_cli(*step) == 0, step
    return folder


def test_the_findings_a_change_brings_are_named_with_their_lines(two_builds):
    from pipeline.changes.stage import run

    base, now = two_builds / "base", two_builds / "now"
    changes = run(base / "wh", now / "wh", base / "rep", now / "rep")
    assert [(p["label_a"], p["label_b"]) for p in changes["duplicates"]["new_pairs"]] == [("2.1.4", "2.2.1")]  # the pasted repeat
    assert changes["duplicates"]["gone_pairs"] == []  # the MLA pair is still flagged, its labels shifted by the insert
    failures = {(f["expectation"], f["severity"], f["line"]) for f in changes["checks"]["new_failures"]}
    assert {("questions/text-unique", "critical", 24), ("questions/text-unique", "critical", 27)} <= failures
    assert ("appendix_claims/stated-figures", "critical", 37) in failures  # 16 questions against the stated 15
    assert ("duplicate_pairs/flagged-duplicates-reviewed", "warning", 24) in failures
    assert ("duplicate_pairs/flagged-duplicates-reviewed", "warning", 14) not in failures  # the MLA pair, relabelled
    assert changes["checks"]["fixed"] == []


def test_a_build_against_itself_brings_nothing(two_builds):
    from pipeline.changes.stage import run

    now = two_builds / "now"
    changes = run(now / "wh", now / "wh", now / "rep", now / "rep")
    assert changes["duplicates"] == {"new_pairs": [], "gone_pairs": []}
    assert changes["checks"] == {"new_failures": [], "fixed": []}


def test_a_finding_is_compared_by_what_it_is_about_not_where_it_stands():
    from pipeline.changes.findings import check_changes

    def report(rows):
        outcome = {"suite": "duplicate_pairs", "check": "flagged-duplicates-reviewed", "severity": "warning", "success": not rows}
        return {"outcomes": [{**outcome, "offending": rows}]}

    before = report([{"label_a": "1.1.4", "label_b": "3.1.1", "source_line": 13, "score": 0.6207}])
    after = report([{"label_a": "1.1.5", "label_b": "3.1.1", "source_line": 14, "score": 0.6205}])
    assert check_changes(before, after, {"1.1.5": "1.1.4", "3.1.1": "3.1.1"}) == {"new_failures": [], "fixed": []}
    assert check_changes(before, after, {})["new_failures"] == [
        {"expectation": "duplicate_pairs/flagged-duplicates-reviewed", "severity": "warning", "line": 14}
    ]


def test_the_pull_request_comment_folds_escapes_and_stays_under_the_limit(two_builds):
    from markdown_it import MarkdownIt

    from pipeline.changes.report import render_markdown
    from pipeline.changes.stage import run

    base, now = two_builds / "base", two_builds / "now"
    changes = run(base / "wh", now / "wh", base / "rep", now / "rep")
    text = render_markdown(changes, "origin/main")
    assert text.startswith(
        "**Bank changes:** 2 added, 1 removed, 3 edited, 2 retagged, 1 moved, 1 new flagged duplicate pairs, 6 new check failures, 0 fixed."
    )
    assert text.count("<details>") == text.count("</details>") == 7  # five kinds of question change, new pairs, new failures
    assert "CRITICAL `questions/text-unique` (line 27)" in text
    changes["questions"]["added"][0]["text"] = "<script>alert(1)</script> @octocat **bold**"
    html = MarkdownIt("commonmark", {"html": True}).render(render_markdown(changes))
    assert "<script" not in html and "@octocat" not in html and "<strong>bold" not in html
    changes["questions"]["added"] *= 2000
    cut = render_markdown(changes, max_chars=5_000)
    assert (
        len(cut) <= 5_000
        and cut.rstrip().endswith("the whole list is in changes.json.")
        and cut.count("<details>") == cut.count("</details>")
    )
