"""End to end through Make, into tmp_path: the DAG rebuilds what changed and nothing else."""

import os
import shutil
import subprocess

import pytest

from helpers import FIXTURE_APPENDIX, ROOT

pytestmark = pytest.mark.slow


def ran(stdout: str) -> list[str]:
    """Return the stages a build ran, as the runner says them first ("build: ingest, embed, … (SOURCE changed)")."""
    line = next((line for line in stdout.splitlines() if line.startswith("build: ")), "build:  ()")
    return line.removeprefix("build: ").rsplit(" (", 1)[0].split(", ")


def make(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE")}
    return subprocess.run(["make", "-C", str(ROOT), *args], capture_output=True, text=True, env=env)


@pytest.fixture
def outputs(tmp_path):
    source = tmp_path / "appendix.txt"
    shutil.copy(FIXTURE_APPENDIX, source)
    return [
        f"SOURCE={source}",
        f"WAREHOUSE={tmp_path / 'warehouse'}",
        f"REPORTS={tmp_path / 'reports'}",
        f"VENV={ROOT / '.venv'}",
    ], tmp_path


def test_make_all_builds_then_does_nothing_the_second_time(outputs):
    args, tmp_path = outputs
    first = make("all", *args)
    assert first.returncode == 0, first.stdout + first.stderr
    assert (tmp_path / "warehouse" / "questions.parquet").exists()
    second = make("all", *args)  # every stage is up to date: only the publish step looks, and changes nothing
    assert second.returncode == 0 and "build: " not in second.stdout  # nothing ran
    assert "publish: nothing changed" in second.stdout
    os.utime(tmp_path / "appendix.txt")  # touched, not changed: outputs depend on content, not time
    assert "build: " not in make("all", *args).stdout
    with open(tmp_path / "appendix.txt", "a", encoding="utf-8") as handle:
        handle.write("\n")
    assert "ingest" in ran(make("all", *args).stdout)


def test_make_all_on_bad_input_fails_with_one_line_and_keeps_outputs(outputs):
    args, tmp_path = outputs
    assert make("all", *args).returncode == 0
    before = {p: p.read_bytes() for p in (tmp_path / "warehouse").glob("*.parquet")}
    (tmp_path / "appendix.txt").write_bytes(b"")
    failed = make("all", *args)
    assert failed.returncode != 0
    assert f"error: {tmp_path / 'appendix.txt'}: the appendix is empty" in failed.stderr
    assert "Traceback" not in failed.stderr
    assert {p: p.read_bytes() for p in (tmp_path / "warehouse").glob("*.parquet")} == before


def test_a_missing_source_is_our_one_line(outputs):
    args, tmp_path = outputs
    missing = tmp_path / "nowhere.txt"
    failed = make("all", *[a for a in args if not a.startswith("SOURCE=")], f"SOURCE={missing}")
    assert failed.returncode != 0
    assert f"error: {missing}: no such file" in failed.stderr and "No rule to make target" not in failed.stderr


@pytest.mark.parametrize(
    "query, shown",
    [
        ("select 'it''s' as x", "it's"),
        ("select 'a$b' as x", "a$b"),  # Make would have expanded $b to nothing
        ("select '$(shell echo INJECTED)' as x", "$(shell echo INJECTED)"),  # never run
    ],
)
def test_make_sql_passes_the_query_untouched(outputs, query, shown):
    args, tmp_path = outputs
    assert make("all", *args).returncode == 0
    result = make("-s", "sql", *args, f"Q={query}")
    assert result.returncode == 0, result.stderr
    assert shown in result.stdout


def test_make_sql_cannot_touch_files(outputs):
    args, tmp_path = outputs
    assert make("all", *args).returncode == 0
    for query in (f"copy questions to '{tmp_path}/leak.csv'", "select * from read_text('/etc/hostname')", "install httpfs"):
        result = make("-s", "sql", *args, f"Q={query}")
        assert result.returncode != 0 and "disabled by configuration" in result.stderr, query
    assert not (tmp_path / "leak.csv").exists()


def test_the_published_build_is_a_link_switched_at_once(outputs):
    args, tmp_path = outputs
    assert make("all", *args).returncode == 0
    warehouse, reports = tmp_path / "warehouse", tmp_path / "reports"
    assert warehouse.is_symlink() and reports.is_symlink()
    assert warehouse.resolve().parent == reports.resolve().parent == (tmp_path / ".warehouse-builds" / "current").resolve()
    first = warehouse.resolve().parent
    source = tmp_path / "appendix.txt"
    source.write_text(source.read_text(encoding="utf-8").replace("Why divide by", "Why do we divide by"), encoding="utf-8")
    assert make("all", *args).returncode == 0
    assert warehouse.resolve().parent != first  # a new generation
    assert len(list((tmp_path / ".warehouse-builds").glob("gen-*"))) == 2  # the current one and the one before


def test_an_older_input_given_by_another_path_is_a_change(outputs):
    """Make compares times; the stamps compare path and content, so an older file by another path still rebuilds."""
    import json

    args, tmp_path = outputs
    assert make("all", *args).returncode == 0
    older = tmp_path / "older.txt"
    older.write_text(
        FIXTURE_APPENDIX.read_text(encoding="utf-8").replace("- Explain LoRA.", "- Explain LoRA in one line.", 1),
        encoding="utf-8",
    )
    os.utime(older, (1_000_000_000, 1_000_000_000))  # 2001: older than every output
    rebuilt = make("all", *[a for a in args if not a.startswith("SOURCE=")], f"SOURCE={older}")
    assert rebuilt.returncode == 0 and "ingest" in ran(rebuilt.stdout)
    assert json.loads((tmp_path / "warehouse" / "ingest.json").read_text())["source"] == str(older)
    decisions = tmp_path / "decisions.csv"
    decisions.write_text("question_id_a,question_id_b,verdict,reviewer,date,note\n", encoding="utf-8")
    os.utime(decisions, (1_000_000_000, 1_000_000_000))
    again = make("all", *[a for a in args if not a.startswith("SOURCE=")], f"SOURCE={older}", f"DECISIONS={decisions}")
    assert again.returncode == 0 and ran(again.stdout) == ["dedup", "check", "warehouse", "report", "changes"]


@pytest.mark.parametrize("kind", ["fifo", "dev-zero"])
def test_a_decisions_fifo_or_device_is_refused_by_make_without_hanging(outputs, kind):
    args, tmp_path = outputs
    path = tmp_path / "fifo.csv" if kind == "fifo" else "/dev/zero"
    if kind == "fifo":
        os.mkfifo(path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE")}
    failed = subprocess.run(
        ["make", "-C", str(ROOT), "all", *args, f"DECISIONS={path}"], capture_output=True, text=True, env=env, timeout=300
    )
    assert failed.returncode != 0
    assert f"error: {path}: is not a regular file (a FIFO, a device?): refused unread" in failed.stderr
    assert "Traceback" not in failed.stderr and "Killed" not in failed.stderr


def test_make_sql_never_runs_what_q_holds(outputs):
    args, tmp_path = outputs
    assert make("all", *args).returncode == 0
    marker = tmp_path / "ran"
    result = make("-s", "sql", *args, f"Q=select 1 as x -- $(shell touch {marker})")
    assert result.returncode == 0, result.stderr
    assert not marker.exists()  # exported, Q would have been expanded, and the shell run


def test_a_venv_whose_python_is_gone_is_built_again(tmp_path):
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / ".installed").touch()  # installed once; then its python went away
    dry = make("-n", "venv", f"VENV={venv}")
    assert dry.returncode == 0 and f"-m venv --clear {venv}" in dry.stdout, dry.stdout + dry.stderr


def test_a_newline_in_q_never_runs_anything_and_a_multi_line_query_runs(outputs):
    """#38 B5: Q was written into the recipe line, so a newline split it and `make -i` ran the second command."""
    args, tmp_path = outputs
    assert make("all", *args).returncode == 0
    marker = tmp_path / "pwned"
    for flags in (("-s",), ("-i", "-s")):
        result = make(*flags, "sql", *args, f"Q=select 1 as x\ntouch {marker} #'")
        assert not marker.exists(), result.stdout + result.stderr
    multi = make("-s", "sql", *args, "Q=select 40 + 2\n  as answer\n;")
    assert multi.returncode == 0 and "42" in multi.stdout, multi.stdout + multi.stderr


def test_a_link_out_of_raw_is_refused_in_one_line_and_nothing_is_published(outputs):
    """#38 B6: the appendix given as a link to a file outside its folder was read and its text published."""
    args, tmp_path = outputs
    assert make("all", *args).returncode == 0
    before = (tmp_path / ".warehouse-builds" / "current").resolve()
    secret = tmp_path / "elsewhere" / "secret.txt"
    secret.parent.mkdir()
    secret.write_text(FIXTURE_APPENDIX.read_text(encoding="utf-8").replace("Explain LoRA.", "SECRET LINE"), encoding="utf-8")
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "appendix.txt").symlink_to(secret)
    failed = make("all", *[a for a in args if not a.startswith("SOURCE=")], f"SOURCE={raw / 'appendix.txt'}")
    said = [line for line in failed.stderr.splitlines() if line.startswith("error:")]
    assert failed.returncode == 2 and len(said) == 1 and "is a link to a file outside raw/" in said[0], failed.stderr
    assert (tmp_path / ".warehouse-builds" / "current").resolve() == before
    published = b"".join(p.read_bytes() for p in (tmp_path / ".warehouse-builds").rglob("*") if p.is_file())
    assert b"SECRET LINE" not in published
