"""What an edit did to the bank (issue #22): questions matched across versions, against changes written before the
matcher (tests/data/changes/expected.json)."""

import json
from pathlib import Path

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


def build_and_compare(folder, base_text: str, text: str, ref: str = "main", commit: str = "e" * 40) -> Path:
    """Build two versions of a bank (embeddings off, no verdicts), compare them as make diff does; return the reports."""
    from helpers import call_cli

    decisions, tags = folder / "decisions.csv", folder / "tags.csv"
    decisions.write_text("question_id_a,question_id_b,verdict,reviewer,date,note\n", encoding="utf-8")
    tags.write_text("question_id,label,verdict,reviewer,date,note\n", encoding="utf-8")
    for name, content in (("base", base_text), ("now", text)):
        source, wh, rep = folder / f"{name}.txt", folder / name / "wh", folder / name / "rep"
        source.write_text(content, encoding="utf-8")
        for step in (
            ("ingest", "--source", str(source), "--warehouse", str(wh)),
            ("dedup", "--warehouse", str(wh), "--decisions", str(decisions), "--reports", str(rep), "--embeddings", "off"),
            ("tags", "--warehouse", str(wh), "--decisions", str(tags), "--reports", str(rep), "--embeddings", "off"),
            ("check", "--warehouse", str(wh), "--reports", str(rep)),
            ("warehouse", "--warehouse", str(wh)),
        ):
            assert call_cli(*step) == 0, step
    stamp = folder / "base.json"
    record = {"ref": ref, "commit": commit, "warehouse": str(folder / "base/wh"), "reports": str(folder / "base/rep")}
    stamp.write_text(json.dumps(record), encoding="utf-8")
    reports = folder / "now" / "rep"
    assert call_cli("changes", "--warehouse", str(folder / "now/wh"), "--reports", str(reports), "--base-stamp", str(stamp)) == 0
    return reports


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory):
    """The fixture bank and its week of edits, each built through dedup, tags, the checks and the warehouse (embeddings
    off); the edited build also compared with the base by the changes command, as make diff runs it."""
    folder = tmp_path_factory.mktemp("changes")
    base_text, text = FIXTURE_APPENDIX.read_text(encoding="utf-8"), (CHANGES / "edited.txt").read_text(encoding="utf-8")
    build_and_compare(folder, base_text, text, ref="origin/main", commit="f" * 40)
    return folder


def test_the_changes_command_writes_the_comparison_and_the_history(two_builds):
    import duckdb

    reports = two_builds / "now" / "rep"
    changes = json.loads((reports / "changes.json").read_text(encoding="utf-8"))
    assert {k: len(v) if isinstance(v, list) else v for k, v in changes["questions"].items()} == {
        "added": 2, "removed": 1, "edited": 3, "retagged": 2, "moved": 1, "unchanged": 9
    }  # fmt: skip
    assert changes["base"] == "origin/main" and changes["base_commit"] == "f" * 40
    assert changes["questions"]["moved"][0]["base_section_id"] == "1.2"
    assert {"duplicates", "checks", "tag_claims", "tag_suspects", "links", "external_coverage"} <= changes.keys()
    assert (reports / "changes.md").read_text(encoding="utf-8").startswith("**Bank changes:** 2 added")
    database = duckdb.connect(str(two_builds / "now" / "wh" / "questions.duckdb"), read_only=True)
    questions = database.sql("select value from history where is_current and metric = 'questions'").fetchall()
    assert questions == [(16.0,)]  # the questions of edited.txt
    assert "Questions moved (1)" in (reports / "changes.html").read_text(encoding="utf-8")


def test_the_findings_a_change_brings_are_named_with_their_lines(two_builds):
    from pipeline.changes.stage import compare_builds

    base, now = two_builds / "base", two_builds / "now"
    changes = compare_builds(base / "wh", base / "rep", now / "wh", now / "rep")
    assert [(p["label_a"], p["label_b"]) for p in changes["duplicates"]["new_pairs"]] == [("2.1.4", "2.2.1")]  # the pasted repeat
    assert changes["duplicates"]["gone_pairs"] == []  # the MLA pair is still flagged, its labels shifted by the insert
    failures = {(f["expectation"], f["severity"], f["line"]) for f in changes["checks"]["new_failures"]}
    assert {("questions/text-unique", "critical", 24), ("questions/text-unique", "critical", 27)} <= failures
    assert ("appendix_claims/stated-figures", "critical", 37) in failures  # 16 questions against the stated 15
    assert ("duplicate_pairs/flagged-duplicates-reviewed", "warning", 24) in failures
    assert ("duplicate_pairs/flagged-duplicates-reviewed", "warning", 14) not in failures  # the MLA pair, relabelled
    assert changes["checks"]["fixed"] == []


def test_a_build_against_itself_brings_nothing(two_builds):
    from pipeline.changes.stage import compare_builds

    now = two_builds / "now"
    changes = compare_builds(now / "wh", now / "rep", now / "wh", now / "rep")
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
    from pipeline.changes.stage import compare_builds

    base, now = two_builds / "base", two_builds / "now"
    changes = compare_builds(base / "wh", base / "rep", now / "wh", now / "rep")
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


def gate(reports: Path, *strict: str) -> int:
    from helpers import call_cli

    return call_cli("gate-changes", "--reports", str(reports), *strict)


def test_a_typo_fix_passes_the_strict_gate_though_the_bank_has_old_debts(tmp_path, capsys):
    bank = FIXTURE_APPENDIX.read_text(encoding="utf-8")
    typo = bank.replace("Why does a low-rank update work?", "Why does a low-rank update wrok?")
    reports = build_and_compare(tmp_path, typo, bank)
    assert json.loads((reports / "quality.json").read_text(encoding="utf-8"))["warnings"] > 0  # old debts
    capsys.readouterr()
    assert gate(reports, "--strict") == 0
    assert "passes, nothing new (warnings fail too)" in capsys.readouterr().out


def test_an_undecided_repeat_fails_the_strict_gate_naming_both_questions(tmp_path, capsys):
    bank = FIXTURE_APPENDIX.read_text(encoding="utf-8")
    repeat = bank.replace(
        "[estimation]\nTotal: 15 questions",
        "[estimation] - Walk through scaled dot-product attention step by step: why divide by √d_k?\n[conceptual]\nTotal: 16 questions",
    ).replace("Conceptual: ~8", "Conceptual: ~9")
    reports = build_and_compare(tmp_path, bank, repeat)
    capsys.readouterr()
    assert gate(reports) == 0  # no critical failure: the repeat is a warning
    assert gate(reports, "--strict") == 1
    out = capsys.readouterr().out
    assert "3.1.4 and 1.1.1 look like one question asked twice" in out and "FAILS" in out
    assert "further from the stated count" not in out  # 9 against ~8 before, 10 against ~9 now


def test_an_unknown_tag_fails_the_gate_without_strict(tmp_path, capsys):
    bank = FIXTURE_APPENDIX.read_text(encoding="utf-8")
    reports = build_and_compare(tmp_path, bank, bank.replace("at 4K context.\n[estimation]", "at 4K context.\n[speculative]"))
    capsys.readouterr()
    assert gate(reports) == 1
    assert "CRITICAL new failure of" in capsys.readouterr().out


def test_the_strict_gate_names_each_kind_of_new_warning():
    from pipeline.changes.gate import new_problems

    changes = {
        "checks": {"new_failures": [{"expectation": "questions/x", "severity": "warning", "line": 9}]},
        "duplicates": {"new_pairs": [{"label_a": "1.1.1", "label_b": "3.1.4", "score": 0.9, "status": "confirmed duplicate"}]},
        "tag_suspects": [{"label": "2.1.1", "tag": "debug", "suggested_tag": "conceptual", "introduced": False}],
        "tag_claims": [{"tag": "debug", "stated": 5, "base_actual": 6, "actual": 7, "further": True}],
    }
    assert new_problems(changes, strict=False) == []
    assert new_problems(changes, strict=True) == [
        "WARNING new failure of questions/x (line 9)",
        "WARNING [debug] now 7 questions against a stated 5 (was 6): further from the stated count",
    ]  # a decided pair and a suspect the change did not write are not new problems


def git_repo(folder: Path, files: dict[str, str]) -> Path:
    """Return a git repository in `folder` with one commit holding `files` (path: text)."""
    import subprocess

    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    for words in (["init", "-q"], ["add", "-A"], ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "bank"]):
        subprocess.run(["git", "-C", str(folder), *words], check=True, capture_output=True)
    return folder


@pytest.mark.parametrize(
    "files, ref, said",
    [
        ({"raw/a.txt": "x"}, "no-such-branch", "BASE=no-such-branch: not a commit of this repository"),
        ({"raw/a.txt": "x"}, "HEAD~1", "BASE=HEAD~1: not a commit of this repository"),  # the first commit has no base
        ({"notes.txt": "x"}, "HEAD", "has no raw/ folder: there is no bank to compare with"),
        ({"raw/a.txt": "x"}, "--output=/tmp/x", "BASE=--output=/tmp/x: not a git ref"),
    ],
)
def test_a_base_that_cannot_be_compared_is_one_line_and_exit_2(tmp_path, capsys, files, ref, said):
    from helpers import call_cli

    repo = git_repo(tmp_path / "repo", files)
    code = call_cli("base", f"--ref={ref}", "--area", str(tmp_path / "v"), "--stamp", str(tmp_path / "s"), "--repo", str(repo))
    err = capsys.readouterr().err
    assert code == 2 and said in err and len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "s").exists()


def test_a_repository_without_commits_or_a_shallow_clone_says_what_to_do(tmp_path, capsys):
    import subprocess

    from helpers import call_cli

    empty = tmp_path / "empty"
    subprocess.run(["git", "init", "-q", str(empty)], check=True)
    assert (
        call_cli("base", "--ref", "HEAD", "--area", str(tmp_path / "v"), "--stamp", str(tmp_path / "s"), "--repo", str(empty))
        == 2
    )
    assert "no commit yet" in capsys.readouterr().err
    repo = git_repo(tmp_path / "repo", {"raw/a.txt": "1"})
    (repo / "raw/a.txt").write_text("2", encoding="utf-8")
    subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qam", "2"], check=True)
    shallow = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth=1", f"file://{repo}", str(shallow)], check=True, capture_output=True)
    assert (
        call_cli("base", "--ref", "HEAD~1", "--area", str(tmp_path / "v"), "--stamp", str(tmp_path / "s"), "--repo", str(shallow))
        == 2
    )
    assert "shallow clone: fetch it first (git fetch --unshallow" in capsys.readouterr().err


def test_raw_at_a_commit_is_read_from_git_without_touching_the_working_tree(tmp_path):
    import subprocess

    from pipeline.changes import versions

    repo = git_repo(tmp_path / "repo", {"raw/appendix.txt": "old\n", "raw/external/bank.md": "1. q?\n"})
    (repo / "raw/appendix.txt").write_text("new, not committed\n", encoding="utf-8")
    version = versions.resolve("HEAD", repo)
    raw = versions.extract_raw(version, tmp_path / "area", repo)
    assert (raw / "appendix.txt").read_text(encoding="utf-8") == "old\n" and (raw / "external/bank.md").exists()
    assert (raw / "tag_decisions.csv").read_text(encoding="utf-8").startswith("question_id,label,verdict")  # added later
    assert (repo / "raw/appendix.txt").read_text(encoding="utf-8") == "new, not committed\n"
    status = subprocess.run(["git", "-C", str(repo), "status", "--porcelain"], capture_output=True, text=True).stdout
    assert status == " M raw/appendix.txt\n"
    arguments = versions.build_arguments(
        raw, {"SOURCE": str(repo / "raw/appendix.txt"), "ALIASES": "/elsewhere/a.csv"}, tmp_path / "area", repo
    )
    assert f"SOURCE={raw / 'appendix.txt'}" in arguments and "ALIASES=/elsewhere/a.csv" in arguments
