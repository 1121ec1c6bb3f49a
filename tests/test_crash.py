"""Builds under faults: the build is killed at 50 points across every stage, and the disk fills up.

Each case starts from a published build of bank A, changes the appendix to bank B (one question more), and runs
`make all` until the fault. Then, through `warehouse/` and `reports/` (what readers open):

- the published build is all of A or all of B, never a mix (every table, the database's row counts, the reports);
- no write-ahead log is published;

and after one more `make all`: the published build equals a clean build of B, with no scratch folder left anywhere.
Slow (about 6 minutes): `make test-slow`, run by CI.
"""

import json
import os
import random
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from helpers import FIXTURE_APPENDIX, ROOT

pytestmark = pytest.mark.slow

STAGES = ("ingest", "external", "dedup", "overlap", "tags", "check", "warehouse", "report", "changes")
POINTS = ("start", "written", "moving", "moved")  # see pipeline/io.staged_outputs
NAMED = [f"{stage}:{point}" for stage in STAGES for point in POINTS] + ["publish:linked", "publish:switched"]
CACHE_POINTS = ("embed:cache-written", "embed:cache-moved")  # see pipeline/similarity/embed.write_cache
TIMED = [("SIGKILL", seed) for seed in range(12)] + [("SIGINT", seed) for seed in range(12, 16)]  # Make's own cleanup on SIGINT
ADDED = "[conceptual] - What is a brand-new question about speculative decoding?\n"


def make_all(folder: Path, fault: str | None = None, popen: bool = False, extra: tuple = ()):
    """Run `make all` on the bank in `folder` (its own process group, like a terminal job)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE")}
    env.pop("PIPELINE_FAULT", None)
    if fault:
        env["PIPELINE_FAULT"] = fault
    command = [
        "make",
        "-s",
        "-C",
        str(ROOT),
        "all",
        f"SOURCE={folder / 'appendix.txt'}",
        f"WAREHOUSE={folder / 'warehouse'}",
        f"REPORTS={folder / 'reports'}",
        f"VENV={ROOT / '.venv'}",
        "EMBEDDINGS=off",
        *extra,
    ]
    if popen:
        return subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
        )
    return subprocess.run(command, env=env, capture_output=True, text=True, start_new_session=True)


def published(folder: Path) -> dict:
    """Return what a reader sees through the links: every table, the database's counts, the reports' content."""
    import duckdb
    import pyarrow.parquet as pq

    warehouse, reports = folder / "warehouse", folder / "reports"
    assert not list(warehouse.glob("*.wal")), "a write-ahead log was published"
    state = {name.name: pq.ParquetFile(name).read().to_pylist() for name in sorted(warehouse.glob("*.parquet"))}
    connection = duckdb.connect(str(warehouse / "questions.duckdb"), read_only=True)
    try:
        state["duckdb"] = {
            t: connection.execute(f"select count(*) from {t}").fetchall()[0][0] for t in ("questions", "duplicate_pairs", "refs")
        }
        state["duckdb_views"] = len(connection.sql("select * from duckdb_views() where not internal").fetchall())
    finally:
        connection.close()
    quality = json.loads((reports / "quality.json").read_text(encoding="utf-8"))
    state["quality"] = [(o["check"], o["success"], o["unexpected_count"]) for o in quality["outcomes"]]
    for name in ("duplicates.csv", "coverage.md", "external_coverage.md"):
        state[name] = (reports / name).read_text(encoding="utf-8")
    return state


def leftovers(folder: Path) -> list[str]:
    return sorted(
        str(p.relative_to(folder))
        for p in folder.rglob("*")
        if p.name.startswith((".staging-", ".tmp-", "legacy-", ".embeddings-"))
    )


@pytest.fixture(scope="module")
def banks(tmp_path_factory):
    """A published build of bank A (to copy for each case), the state of a clean build of bank B, and how long the
    rebuild from A to B took here (the random kills fall inside it)."""
    base = tmp_path_factory.mktemp("bank_a")
    shutil.copy(FIXTURE_APPENDIX, base / "appendix.txt")
    assert make_all(base).returncode == 0
    clean_b = tmp_path_factory.mktemp("bank_b")
    (clean_b / "appendix.txt").write_text(with_question_added(FIXTURE_APPENDIX.read_text(encoding="utf-8")), encoding="utf-8")
    assert make_all(clean_b).returncode == 0
    state_a, state_b = published(base), published(clean_b)
    assert state_a != state_b and len(state_b["questions.parquet"]) == len(state_a["questions.parquet"]) + 1
    timed = case_folder(tmp_path_factory.mktemp("timed"), base)
    started = time.monotonic()
    assert make_all(timed).returncode == 0
    return base, state_a, state_b, time.monotonic() - started


def with_question_added(text: str) -> str:
    """Return the fixture appendix with one question more, at the end of section 1.1."""
    return text.replace("[conceptual]\n1.2 Architecture", ADDED + "[conceptual]\n1.2 Architecture", 1)


def case_folder(tmp_path: Path, base: Path) -> Path:
    folder = tmp_path / "bank"
    shutil.copytree(base, folder, symlinks=True)
    source = folder / "appendix.txt"
    source.write_text(with_question_added(source.read_text(encoding="utf-8")), encoding="utf-8")  # newer than every output copied
    return folder


def check_and_repair(folder: Path, state_a: dict, state_b: dict) -> str:
    """Assert the published build is A or B; rebuild; assert it is B and nothing is left over. Return which it was."""
    seen = published(folder)
    assert seen in (state_a, state_b), "the published build mixes two builds"
    repaired = make_all(folder)
    assert repaired.returncode == 0, repaired.stderr
    assert published(folder) == state_b
    assert leftovers(folder) == []
    return "A" if seen == state_a else "B"


def declared_stages() -> set[str]:
    """Return the stages that write outputs, as the build graph declares them (not this file's list): embed writes no
    output of a build (its cache is killed apart, CACHE_POINTS)."""
    from pipeline.flow.graph import STAGES as DECLARED

    return {stage.name for stage in DECLARED if stage.outputs}


def test_the_fault_points_name_every_stage():
    declared = declared_stages()
    assert len(declared) >= 9 and "changes" in declared  # the reader finds the stamps (it found 0 once: nothing to compare)
    assert len(NAMED) + len(TIMED) >= 40
    assert {n.split(":")[0] for n in NAMED} == declared | {"publish"}


@pytest.mark.parametrize("fault", NAMED)
def test_a_kill_at_a_named_point(tmp_path, banks, fault):
    from pipeline.flow.graph import readers

    base, state_a, state_b, _ = banks
    folder = case_folder(tmp_path, base)
    stage = fault.split(":")[0]
    if stage != "publish" and stage not in readers({"SOURCE"}):  # the edit does not rerun it: its key is forgotten, so
        state = folder / ".warehouse-builds" / "work" / ".graph-state.json"  # it runs again (its output is bank B's too)
        state.write_text(
            json.dumps({k: v for k, v in json.loads(state.read_text(encoding="utf-8")).items() if k != stage}), encoding="utf-8"
        )
    killed = make_all(folder, fault)
    assert killed.returncode == -signal.SIGKILL, f"the fault point {fault} was never reached: {killed.stdout}{killed.stderr}"
    seen = check_and_repair(folder, state_a, state_b)
    assert seen == ("B" if fault == "publish:switched" else "A")  # only the switch publishes


@pytest.mark.parametrize("fault", CACHE_POINTS)
def test_a_kill_while_the_embeddings_cache_is_written(tmp_path, banks, fault):
    from pipeline.similarity import embed

    base, state_a, _, _ = banks
    folder = case_folder(tmp_path, base)
    killed = make_all(folder, fault, extra=("EMBEDDINGS=on",))
    assert killed.returncode == -signal.SIGKILL, f"the fault point {fault} was never reached: {killed.stdout}{killed.stderr}"
    assert published(folder) == state_a
    repaired = make_all(folder, extra=("EMBEDDINGS=on",))
    assert repaired.returncode == 0, repaired.stderr
    assert leftovers(folder) == []
    cached = embed.read_cache(embed.cache_file(folder / ".warehouse-builds" / "cache"))
    assert embed._key(ADDED.split("] - ", 1)[1].strip()) in cached  # the question added in B was encoded and kept
    with open(folder / "appendix.txt", "a", encoding="utf-8") as handle:
        handle.write("\n")  # a change (a touch is none: stages follow content) that changes no question
    again = make_all(folder, extra=("EMBEDDINGS=on",))
    assert again.returncode == 0 and "0 encoded now" in again.stdout, again.stdout


@pytest.mark.parametrize("signal_name, seed", TIMED, ids=[f"{s}-{n}" for s, n in TIMED])
def test_a_kill_at_a_random_instant(tmp_path, banks, signal_name, seed):
    base, state_a, state_b, rebuild_s = banks
    fraction = random.Random(seed).uniform(0.05, 0.6)  # of the rebuild's time: the signal falls inside the rebuild
    duration = rebuild_s  # as timed on this machine by the fixture; a shared machine can run twice as fast a minute later
    for attempt in range(3):
        folder = case_folder(tmp_path / f"attempt-{attempt}", base)
        delay = fraction * duration
        process = make_all(folder, popen=True)
        started = time.monotonic()
        try:
            process.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, getattr(signal, signal_name))
            process.wait(timeout=60)
            break
        duration = time.monotonic() - started  # it ended first: aim at the same fraction of this faster run
    else:
        pytest.fail(f"three builds ended before the {signal_name} ({fraction:.0%} of their time; {rebuild_s:.1f} s when timed)")
    # the signal landed: Make died of it (SIGKILL), or stopped on it (SIGINT: it deletes its targets, then exits so)
    assert process.returncode in ((-signal.SIGKILL,) if signal_name == "SIGKILL" else (-signal.SIGINT, 2, 130)), (
        process.returncode,
        process.stderr.read(),
    )
    check_and_repair(folder, state_a, state_b)


def _mount_small_disk(folder: Path, megabytes: int) -> str | None:
    """Mount a tmpfs of `megabytes` on `folder`; return why not, if it cannot be done here."""
    if os.geteuid() != 0:
        return "mounting a small disk needs root"
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={megabytes}m", "tmpfs", str(folder)], capture_output=True, text=True
    )
    return None if done.returncode == 0 else f"cannot mount a tmpfs here: {done.stderr.strip()}"


@pytest.mark.parametrize("free_kib", [40, 400, 1500, 4000])
def test_a_full_disk_fails_cleanly_and_the_next_build_repairs(tmp_path, banks, free_kib):
    base, state_a, state_b, _ = banks
    disk = tmp_path / "disk"
    why = _mount_small_disk(disk, 48)
    if why:
        pytest.skip(why)
    try:
        folder = disk / "bank"
        shutil.copytree(base, folder, symlinks=True)
        assert published(folder) == state_a
        source = folder / "appendix.txt"
        source.write_text(with_question_added(source.read_text(encoding="utf-8")), encoding="utf-8")
        filler = disk / "filler"
        free = shutil.disk_usage(disk).free - free_kib * 1024
        with open(filler, "wb") as handle:
            handle.write(b"\0" * max(free, 0))
        failed = make_all(folder)
        errors = [line for line in failed.stderr.splitlines() if line.startswith("error: ")]
        assert "Traceback" not in failed.stdout + failed.stderr
        if failed.returncode != 0:  # a generous free space may let the build through: then it must be B
            assert errors and all(" No space left on device" in e or "incomplete" in e for e in errors), failed.stderr
            assert all(e.split(":")[1].strip() for e in errors), "an error line names no file"
        seen = published(folder)
        assert seen in (state_a, state_b)
        filler.unlink()
        assert make_all(folder).returncode == 0
        assert published(folder) == state_b and leftovers(folder) == []
    finally:
        subprocess.run(["umount", "-l", str(disk)], capture_output=True)


def published_generation(folder: Path) -> dict | None:
    """Return what the generation `current` points to holds (read through one resolved path), or None if it moved away."""
    try:
        generation = (folder / ".warehouse-builds" / "current").resolve(strict=True)
        view = generation.parent / f".view-{os.getpid()}"
        view.unlink(missing_ok=True)
        view.mkdir()
        try:
            (view / "warehouse").symlink_to(generation / "warehouse")
            (view / "reports").symlink_to(generation / "reports")
            return published(view)
        finally:
            shutil.rmtree(view, ignore_errors=True)
    except (FileNotFoundError, OSError):
        return None  # a generation deleted while read: the next look reads the new one


def test_two_builds_at_once_on_different_inputs_never_publish_a_mix(tmp_path, banks):
    """One `make all` on bank B, another on bank A given by another path, into one work area at the same time."""
    base, state_a, state_b, _ = banks
    folder = case_folder(tmp_path, base)
    (folder / "a.txt").write_text(FIXTURE_APPENDIX.read_text(encoding="utf-8"), encoding="utf-8")
    first = make_all(folder, popen=True)
    time.sleep(0.5)
    second = make_all(folder, popen=True, extra=(f"SOURCE={folder / 'a.txt'}",))
    seen = []
    while first.poll() is None or second.poll() is None:
        state = published_generation(folder)
        if state is not None:
            assert state in (state_a, state_b), "the published build mixes two builds"
            seen.append("A" if state == state_a else "B")
        time.sleep(0.2)
    assert (first.wait(), second.wait()) == (0, 0), first.stderr.read() + second.stderr.read()
    assert published(folder) == state_a  # the build that started second waited for the first, then published last
    assert "B" in seen and leftovers(folder) == []
