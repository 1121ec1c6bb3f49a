"""make diff, make check BASE= and make history end to end, on a small git repository of their own (issue #22)."""

import json
import os
import shutil
import subprocess
import time

import pytest

from helpers import FIXTURE_APPENDIX, ROOT, run_cli
from pipeline.schema import EDITORS_FILES

pytestmark = pytest.mark.slow

REPEAT = "[estimation] - Walk through scaled dot-product attention step by step: why divide by √d_k?\n[conceptual]\nTotal: 16 questions"


def make(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE")}
    return subprocess.run(["make", "-C", str(ROOT), *args], capture_output=True, text=True, env=env)


def succeeds(*args: str) -> bool:
    """Run Make; on failure, fail with what it printed (a bare returncode hides which stage said what)."""
    done = make(*args)
    assert done.returncode == 0, (done.stdout + done.stderr)[-4000:]
    return True


def commit(repo, message: str) -> None:
    for words in (["add", "-A"], ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", message]):
        subprocess.run(["git", "-C", str(repo), *words], check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path):
    """A repository whose raw/ holds the fixture bank and empty editors' files, committed; Make's arguments for it."""
    repo = tmp_path / "repo"
    (repo / "raw").mkdir(parents=True)
    shutil.copy(FIXTURE_APPENDIX, repo / "raw/appendix.txt")
    for declared in EDITORS_FILES:
        (repo / "raw" / f"{declared.name}.csv").write_text(",".join(declared.columns) + "\n", encoding="utf-8")
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    commit(repo, "the bank")
    names = {"DECISIONS": "duplicate_decisions", "TAG_DECISIONS": "tag_decisions", "EXTERNAL_BANKS": "external_banks",
             "ALIASES": "ref_aliases", "GENERIC_TERMS": "generic_terms", "VERDICT_HISTORY": "verdict_history"}  # fmt: skip
    args = [f"SOURCE={repo / 'raw/appendix.txt'}", f"BASE_REPO={repo}", "EMBEDDINGS=off", f"VENV={ROOT / '.venv'}"]
    args += [f"{k}={repo / 'raw' / v}.csv" for k, v in names.items()]
    args += [f"WAREHOUSE={tmp_path / 'out/warehouse'}", f"REPORTS={tmp_path / 'out/reports'}"]
    return repo, args, tmp_path / "out/reports"


def status(repo) -> str:
    return subprocess.run(["git", "-C", str(repo), "status", "--porcelain"], capture_output=True, text=True).stdout


def test_make_diff_reports_an_edit_and_the_gate_fails_only_on_what_it_added(repo):
    repo, args, reports = repo
    source = repo / "raw/appendix.txt"
    source.write_text(source.read_text(encoding="utf-8").replace("[estimation]\nTotal: 15 questions", REPEAT), encoding="utf-8")
    before = (status(repo), source.read_bytes())
    done = make("diff", *args)
    assert done.returncode == 0, done.stdout + done.stderr
    changes = json.loads((reports / "changes.json").read_text(encoding="utf-8"))
    assert [q["label"] for q in changes["questions"]["added"]] == ["3.1.4"] and changes["questions"]["unchanged"] == 15
    assert changes["base"] == "HEAD" and len(changes["base_commit"]) == 40
    assert (status(repo), source.read_bytes()) == before  # raw/ and git's state untouched
    assert succeeds("check", "BASE=HEAD", *args)  # the repeat is a warning
    strict = make("check", "BASE=HEAD", "STRICT=1", *args)
    assert strict.returncode == 2 and "1.1.1 and 3.1.4 look like one question (" in strict.stdout  # Make: 2 for a failed recipe
    comment = (reports / "changes.md").read_text(encoding="utf-8")
    assert succeeds("check", *args)  # without BASE, as before
    assert succeeds("sql", *args, "Q=select 1")
    assert (reports / "changes.md").read_text(encoding="utf-8") == comment  # the comparison stays: raw/ is the same (#33)
    with open(source, "a", encoding="utf-8") as handle:
        handle.write("\n")
    assert succeeds("all", *args)
    assert not (reports / "changes.json").exists()  # raw/ changed: that comparison is not this build's
    source.write_bytes(before[1])
    commit(repo, "the repeat")
    assert succeeds("check", "BASE=HEAD", "STRICT=1", *args)  # committed: nothing new against HEAD


def test_a_second_diff_against_the_same_base_builds_nothing(repo):
    repo, args, reports = repo
    assert succeeds("diff", *args)
    started = time.perf_counter()
    again = make("diff", *args)
    assert again.returncode == 0 and "built in 0." in again.stdout and "build: " not in again.stdout
    assert time.perf_counter() - started < 60  # a guard against a rebuild, not a speed target (make bench measures)


def test_a_base_that_does_not_build_names_its_own_error_and_the_current_version(repo):
    repo, args, reports = repo
    source = repo / "raw/appendix.txt"
    good = source.read_text(encoding="utf-8")
    source.write_text("x" * 20_000 + "\n" + good, encoding="utf-8")  # a line over the limit: the bank does not parse
    commit(repo, "broken")
    source.write_text(good, encoding="utf-8")
    done = make("diff", *args)
    assert done.returncode == 2
    said = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(said) == 1 and "does not build" in said[0] and "over the limit" in said[0], done.stderr
    assert "the current raw/ builds: 15 questions" in done.stdout


def test_a_base_registry_naming_a_missing_bank_file_is_one_line(repo):
    repo, args, reports = repo
    registry = repo / "raw/external_banks.csv"
    registry.write_text(registry.read_text(encoding="utf-8") + "gone,Gone,external/gone.md,x,MIT,numbered,,\n", encoding="utf-8")
    commit(repo, "a bank registered, its file never added")
    registry.write_text(",".join(EDITORS_FILES[2].columns) + "\n", encoding="utf-8")
    done = make("diff", *args)
    said = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert done.returncode == 2 and len(said) == 1 and "gone.md" in said[0], done.stdout + done.stderr


def test_make_history_draws_every_commit_that_changed_raw(repo):
    repo, args, reports = repo
    source = repo / "raw/appendix.txt"
    source.write_text(source.read_text(encoding="utf-8").replace("[estimation]\nTotal: 15 questions", REPEAT), encoding="utf-8")
    commit(repo, "the repeat")
    done = make("history", *args)
    assert done.returncode == 0, done.stdout + done.stderr
    page = (reports / "history.html").read_text(encoding="utf-8")
    assert "3 points" in page and "the repeat" in page and page.count("<svg") >= 10
    import duckdb

    database = duckdb.connect(str(reports.parent / "warehouse/questions.duckdb"), read_only=True)
    counts = database.sql("select position, value from history where metric = 'questions' order by position").fetchall()
    assert counts == [(0, 15.0), (1, 16.0), (2, 16.0)]  # the two commits, then this build


def test_a_newline_in_base_never_runs_anything(repo):
    """#38 B5: BASE was written into the recipe line; a newline split it and `make -i` ran the second command."""
    repo, args, reports = repo
    marker = repo.parent / "pwned"
    for flags in ((), ("-i",)):
        for goal in ("diff", "check"):
            done = make(*flags, goal, *args, f"BASE=HEAD\ntouch {marker} #'")
            assert not marker.exists()
            assert done.returncode == 2 and "BASE holds a newline" in done.stderr, done.stdout + done.stderr
            assert "pipeline" not in done.stdout  # refused before any recipe ran
    direct = run_cli("base", "--ref", "HEAD\ntouch x", "--stamp", str(repo.parent / "s"), "--area", str(repo.parent / "v"),
                     "--warehouse", str(repo.parent / "w"), f"SOURCE={repo / 'raw/appendix.txt'}")  # fmt: skip
    assert direct.returncode == 2 and "not a git ref: it holds a newline" in direct.stderr, direct.stderr


def test_a_base_whose_raw_holds_a_link_is_one_line_and_leaves_no_scratch(repo):
    """#38 B7: a base whose raw/ held a link ended with "unexpected AbsoluteLinkError", exit 3, and a .raw-* folder."""
    repo, args, reports = repo
    source = repo / "raw/appendix.txt"
    text = source.read_text(encoding="utf-8")
    source.unlink()
    source.symlink_to("/etc/hostname")
    commit(repo, "the appendix as a link out of the repository")
    source.unlink()
    source.write_text(text, encoding="utf-8")
    done = make("diff", *args)
    said = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert done.returncode == 2 and len(said) == 1 and "holds a link (raw/appendix.txt → /etc/hostname)" in said[0], done.stderr
    assert "Traceback" not in done.stderr and "unexpected" not in done.stderr
    assert not list(repo.parent.rglob(".raw-*"))


def test_a_renamed_appendix_is_gated_against_its_old_name_and_history_follows_it(repo):
    """#44 item 12: after a rename, `make check BASE=HEAD~1` exited 2 naming versions/<tree>/raw/appendix.txt, and
    `make history` failed the same way at its first commit."""
    repo, args, reports = repo
    subprocess.run(["git", "-C", str(repo), "mv", "raw/appendix.txt", "raw/bank.txt"], check=True)
    commit(repo, "the appendix renamed")
    args = [f"SOURCE={repo / 'raw/bank.txt'}" if a.startswith("SOURCE=") else a for a in args]
    assert succeeds("check", "BASE=HEAD~1", "STRICT=1", *args)
    changes = json.loads((reports / "changes.json").read_text(encoding="utf-8"))
    assert changes["questions"]["unchanged"] == 15 and not changes["questions"]["added"] + changes["questions"]["removed"]
    done = make("history", *args)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "3 points" in (reports / "history.html").read_text(encoding="utf-8")  # the two commits, then this build
    import duckdb

    database = duckdb.connect(str(reports.parent / "warehouse/questions.duckdb"), read_only=True)
    counts = database.sql("select position, value from history where metric = 'questions' order by position").fetchall()
    assert counts == [(0, 15.0), (1, 15.0), (2, 15.0)]
