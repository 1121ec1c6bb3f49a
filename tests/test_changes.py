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
