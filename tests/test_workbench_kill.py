"""A workbench killed (SIGKILL, as `kill -9` or a power cut) while its verdicts stream in: after a restart, the
decisions files and the verdict history agree, and no temporary file is left (#44: 3 of 10 kills left a decision
with no history event, and the history's temporary files stayed in raw/ for ever).

The writer runs in a child process on a toy bank (no build: the questions are given), writing pair and tag verdicts
and undos as fast as it can; the test kills it at a random instant, or at a named point of a write
(PIPELINE_FAULT=workbench:<point>), then starts a Workbench on the same files, as `make review` would.
"""

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.csvrows import csv_records
from pipeline.schema import EDITORS_FILES, editors_file

ROOT = Path(__file__).resolve().parent.parent
NAMES = {"DECISIONS": "duplicate_decisions", "TAG_DECISIONS": "tag_decisions", "VERDICT_HISTORY": "verdict_history"}
BENCH = """
import json, random, sys
from pathlib import Path
from pipeline import faults
from pipeline.workbench.server import Refused, Workbench

faults.STAGE["name"] = "workbench"


class Toy(Workbench):
    def read_questions(self):
        return {f"q{i}": {"question_id": f"q{i}", "label": f"1.1.{i}", "text": f"question {i}, \\"quoted\\"",
                          "tag": ("design", "theory")[i % 2]} for i in range(6)}


inputs, builds, seed = json.loads(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
bench = Toy(inputs, builds, (builds / "warehouse", builds / "reports"), embeddings="off")
rng = random.Random(seed)
print("ready", flush=True)
while True:
    who = rng.choice(["ana", "bo", "@cy"])
    try:
        if rng.random() < 0.15:
            bench.undo_last({"reviewer": who})
        elif rng.random() < 0.3:
            bench.tag_verdict({"question_id": rng.choice(sorted(bench.questions)), "reviewer": who, "confirm": True,
                               "verdict": rng.choice(["keep", "retag:design", "retag:theory", None])})
        else:
            a, b = rng.sample(sorted(bench.questions), 2)
            bench.pair_verdict({"a": a, "b": b, "reviewer": who, "confirm": True, "note": "see, \\"below\\"",
                                "verdict": rng.choice(["duplicate", "related", "distinct", None])})
    except Refused:
        pass
"""


def toy_raw(folder: Path) -> dict:
    raw = folder / "raw"
    raw.mkdir(parents=True)
    for declared in EDITORS_FILES:
        (raw / f"{declared.name}.csv").write_text(",".join(declared.columns) + "\n", encoding="utf-8")
    return {key: str(raw / f"{name}.csv") for key, name in NAMES.items()}


def run_writer(inputs: dict, builds: Path, seed: int, fault: str | None = None, kill_after: float | None = None) -> int:
    """Run the writer until it is killed (at `fault`, or `kill_after` seconds after it is ready); return its code."""
    env = os.environ | {"PYTHONPATH": str(ROOT)} | ({"PIPELINE_FAULT": f"workbench:{fault}"} if fault else {})
    writer = subprocess.Popen([sys.executable, "-c", BENCH, json.dumps(inputs), str(builds), str(seed)], cwd=ROOT,
                              env=env, stdout=subprocess.PIPE, start_new_session=True)  # fmt: skip
    try:
        assert writer.stdout.readline() == b"ready\n"
        if kill_after is not None:
            time.sleep(kill_after)
            os.killpg(writer.pid, signal.SIGKILL)
        return writer.wait(60)
    finally:
        if writer.poll() is None:
            os.killpg(writer.pid, signal.SIGKILL)
            writer.wait()


def restarted(inputs: dict, builds: Path):
    """Start a Workbench on the files, as `make review` would after the kill (no build: the questions are given)."""
    from pipeline.workbench.server import Workbench

    class Toy(Workbench):
        def read_questions(self):
            return {}

    return Toy(inputs, builds, (builds / "warehouse", builds / "reports"), embeddings="off")


def disagreements(inputs: dict) -> list[str]:
    """Return every key whose row in a decisions file is not what the verdict history's last event on it says."""
    text = Path(inputs["VERDICT_HISTORY"]).read_text(encoding="utf-8")
    last = {(row["file"], row["key"]): row["verdict"] for _, row in csv_records(text, editors_file("verdict_history").columns)}
    out = []
    for key_name, name in (("DECISIONS", "duplicate_decisions"), ("TAG_DECISIONS", "tag_decisions")):
        declared = editors_file(name)
        rows = csv_records(Path(inputs[key_name]).read_text(encoding="utf-8"), declared.columns, optional=declared.optional)
        held = {("|".join(sorted((r["question_id_a"], r["question_id_b"]))) if "question_id_a" in r else r["question_id"]):
                r["verdict"] for _, r in rows}  # fmt: skip
        said = {k: verdict for (file, k), verdict in last.items() if file == name and verdict}
        out += [f"{name} {k}: file {held.get(k)!r}, history {said.get(k)!r}" for k in held.keys() | said.keys()
                if held.get(k) != said.get(k)]  # fmt: skip
    return out


def assert_whole(inputs: dict) -> None:
    raw = Path(inputs["DECISIONS"]).parent
    assert disagreements(inputs) == []
    assert sorted(p.name for p in raw.iterdir() if p.name.startswith(".")) == []  # no journal, no temporary file


@pytest.mark.parametrize("fault", ["journal-written", "history-appended", "decisions-replaced"])
def test_a_writer_killed_at_each_point_of_a_write_is_finished_at_restart(tmp_path, fault):
    inputs = toy_raw(tmp_path)
    assert run_writer(inputs, tmp_path / "builds", seed=1, fault=fault) == -signal.SIGKILL
    assert (tmp_path / "raw" / ".verdict-journal.json").exists()  # the point was reached: a write was under way
    restarted(inputs, tmp_path / "builds")
    assert_whole(inputs)
    assert Path(inputs["VERDICT_HISTORY"]).read_text(encoding="utf-8").count("\n") == 2  # the header and that write


def test_twenty_kills_at_random_instants_leave_the_files_agreeing(tmp_path):
    inputs, builds = toy_raw(tmp_path), tmp_path / "builds"
    rng = random.Random(44)
    for attempt in range(20):
        assert run_writer(inputs, builds, seed=attempt, kill_after=rng.uniform(0.01, 0.25)) == -signal.SIGKILL
        restarted(inputs, builds)
        assert_whole(inputs), attempt
    events = Path(inputs["VERDICT_HISTORY"]).read_text(encoding="utf-8").count("\n") - 1
    # the kills fell among many writes: a count, not a speed (a quiet machine writes 100 and more, a loaded one ~80)
    assert events > 20, events


def test_a_start_removes_the_temporary_files_of_dead_writers_only(tmp_path):
    """#44: raw/.verdict_history.csv.<pid>.tmp (up to 7 MB) stayed in raw/ for ever after a kill."""
    inputs = toy_raw(tmp_path)
    ended = subprocess.Popen(["true"])
    ended.wait()
    raw = tmp_path / "raw"
    dead, live = raw / f".verdict_history.csv.{ended.pid}.tmp", raw / f".duplicate_decisions.csv.{os.getpid()}.tmp"
    dead.write_text("half a file")
    live.write_text("a writer at work")
    restarted(inputs, tmp_path / "builds")
    assert not dead.exists() and live.exists()
