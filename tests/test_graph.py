"""The build graph, declared once (pipeline/flow/graph.py), and its runner: what each change reruns, that every loop
goes through it, and that nothing in pipeline/ runs the command line or Make to build (issue #33)."""

import os
import re
from dataclasses import replace
from pathlib import Path

import pytest

from helpers import FIXTURE_APPENDIX, ROOT
from pipeline.flow import graph, runner
from pipeline.schema import EDITORS_FILES, REPORT_FILES, TABLES


def test_every_output_the_schema_declares_has_one_stage_that_writes_it():
    names = {stage.name for stage in graph.STAGES}
    assert {t.stage for t in TABLES} <= names and {r.stage for r in REPORT_FILES} <= names
    written = [output for stage in graph.STAGES for output in stage.outputs]
    assert len(written) == len(set(written))
    for stage in graph.STAGES:  # declared after what it reads
        assert set(stage.after) <= {s.name for s in graph.STAGES[: graph.STAGES.index(stage)]}, stage.name


# the rooms that write nothing into a work area: the runner and its loops, the bench, evaluations, the workbench
NOT_STAGE_CODE = ("bench", "flow", "evaluation", "publish", "workbench")


def test_every_module_a_stage_runs_is_in_its_code_key():
    """A change to any module a stage runs must rerun it: every module under pipeline/ is in SHARED_CODE or some
    stage's code globs (`external/layouts/` was missed once: a layout's change left the external tables stale)."""
    package = ROOT / "pipeline"
    keyed = {p for pattern in (*graph.SHARED_CODE, *(g for s in graph.STAGES for g in s.code)) for p in package.glob(pattern)}
    missed = [
        str(p.relative_to(package))
        for p in package.rglob("*.py")
        if p not in keyed and "__pycache__" not in p.parts and p.relative_to(package).parts[0] not in NOT_STAGE_CODE
    ]
    assert missed == []


def test_the_makefile_names_the_graphs_inputs_and_no_stage_rule():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^INPUTS := (.*)$", makefile, re.MULTILINE)[1].split() == list(graph.INPUTS)
    for name, path in graph.INPUTS.items():  # the same defaults as paths.py
        assert re.search(rf"^{name} \?= (\S+)$", makefile, re.MULTILINE)[1] == str(Path(path).relative_to(ROOT)), name
    assert ".done" not in makefile and "pipeline ingest" not in makefile  # no second spelling of the graph


@pytest.mark.parametrize(
    "changed, reruns",
    [
        ({"DECISIONS"}, ["dedup", "check", "warehouse", "report", "changes"]),
        ({"TAG_DECISIONS"}, ["tags", "check", "warehouse", "report", "changes"]),
        ({"ALIASES"}, ["warehouse", "report", "changes"]),
        ({"VERDICT_HISTORY"}, ["warehouse", "report", "changes"]),
        ({"SOURCE"}, ["ingest", "external", "embed", "overlap", "dedup", "tags", "check", "warehouse", "report", "changes"]),
        (set(), []),
    ],
)
def test_a_change_of_each_input_reruns_what_reads_it_and_what_follows(changed, reruns):
    assert [s.name for s in graph.STAGES if s.name in graph.readers(changed)] == reruns


def test_nothing_in_pipeline_runs_the_command_line_or_make_to_build():
    """The workbench called cli.main(argv) about 7 times a verdict and the base build launched `make all` (#33); the
    bench alone may time `make` as a user runs it."""
    offenders = []
    for path in sorted((ROOT / "pipeline").rglob("*.py")):
        if path.name == "__main__.py":  # the entry point: the command line itself
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"\bcli\.main\(|from pipeline\.cli import main\b", text):
            offenders.append(f"{path.relative_to(ROOT)}: cli.main")
        if re.search(r"""\[\s*["']make["']""", text) and "bench" not in path.parts:
            offenders.append(f"{path.relative_to(ROOT)}: make")
    assert offenders == []


@pytest.fixture
def inputs(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "appendix.txt").write_text(FIXTURE_APPENDIX.read_text(encoding="utf-8"), encoding="utf-8")
    for declared in EDITORS_FILES:
        (raw / f"{declared.name}.csv").write_text(",".join(declared.columns) + "\n", encoding="utf-8")
    names = {"DECISIONS": "duplicate_decisions", "TAG_DECISIONS": "tag_decisions", "EXTERNAL_BANKS": "external_banks",
             "ALIASES": "ref_aliases", "GENERIC_TERMS": "generic_terms", "VERDICT_HISTORY": "verdict_history"}  # fmt: skip
    return {"SOURCE": str(raw / "appendix.txt")} | {k: str(raw / f"{v}.csv") for k, v in names.items()}


def test_the_runner_builds_what_changed_by_content_and_nothing_else(tmp_path, inputs):
    builds = tmp_path / ".warehouse-builds"
    area = graph.Area(builds, builds, "off")
    lines = []
    first = runner.build(inputs, builds, area, say=lambda *parts, file=None: lines.append(" ".join(parts)))
    assert first["error"] is None and first["ran"] == [s.name for s in graph.STAGES] and first["why"].startswith("a first build")
    assert runner.build(inputs, builds, area, say=lines.append)["ran"] == []  # nothing changed: nothing runs
    Path(inputs["DECISIONS"]).touch()  # touched, not changed
    assert runner.build(inputs, builds, area, say=lines.append)["ran"] == []
    with open(inputs["DECISIONS"], "a", encoding="utf-8") as handle:
        handle.write("\n")  # changed by content, nothing else
    again = runner.build(inputs, builds, area, say=lambda *parts, file=None: lines.append(" ".join(parts)))
    assert again["ran"] == ["dedup", "check", "warehouse", "report", "changes"] and again["why"] == "DECISIONS changed"
    (builds / "work" / "reports" / "quality.json").unlink()  # an output gone: its stage runs again
    assert runner.build(inputs, builds, area, say=lines.append)["ran"] == ["check"]
    other = graph.Area(builds, builds, "on")  # an option a stage takes: those stages and all after
    assert runner.stale(runner.keys(inputs, other), runner.read_state(builds / "work"), builds / "work")[:3] == [
        "embed", "overlap", "dedup"]  # fmt: skip


@pytest.fixture
def code_tree(tmp_path, monkeypatch):
    """A tree standing in for pipeline/: one file for each code glob of the graph (`*` read as `x`), the runner's
    PACKAGE pointed at it."""
    package = tmp_path / "pipeline"
    for pattern in {*graph.SHARED_CODE, *(g for s in graph.STAGES for g in s.code)}:
        path = package / pattern.replace("*", "x")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"# {pattern}\n", encoding="utf-8")
        path.with_name(path.name.replace("x", "y", 1)).write_text(f"# {pattern}, another\n", encoding="utf-8")
    (package / "dedup" / "page" / "a-folder").mkdir()  # a glob matches folders too: never read, nor the end of the glob
    monkeypatch.setattr(runner, "PACKAGE", package)
    return package


@pytest.mark.parametrize(
    "edited, reruns",
    [
        ("x.py", [s.name for s in graph.STAGES]),  # shared code: every stage
        ("ingest/x.py", [s.name for s in graph.STAGES]),  # every stage reads ingest's tables
        ("external/layouts/x.py", [s.name for s in graph.STAGES][1:]),  # embed encodes the external questions too
        ("similarity/x.py", ["embed", "overlap", "dedup", "tags", "check", "warehouse", "report", "changes"]),
        ("tags/x.py", ["tags", "check", "warehouse", "report", "changes"]),
        ("../expectations/x.json", ["check", "report", "changes"]),
        ("report/x.py", ["report"]),
        ("changes/x.py", ["changes"]),
        ("y.py", [s.name for s in graph.STAGES]),  # a second file of the shared code, read from the memo after the first stage
        ("dedup/page/x", ["dedup", "check", "warehouse", "report", "changes"]),  # after the folder of its glob
        ("assets/y", ["dedup", "tags", "check", "warehouse", "report", "changes"]),  # tags reads it from dedup's memo
    ],
)
def test_editing_a_stages_code_changes_its_key_and_the_keys_after_it_and_no_other(code_tree, tmp_path, edited, reruns):
    area = graph.Area(tmp_path / "warehouse", tmp_path / "reports", "off")
    before = runner.keys({}, area, digests={})
    with open(code_tree / edited, "a", encoding="utf-8") as handle:
        handle.write("changed = True\n")
    after = runner.keys({}, area, digests={})
    assert [name for name in before if before[name] != after[name]] == reruns


def test_the_code_memo_reads_a_file_again_when_its_size_or_its_time_moved(code_tree):
    """`seen` holds each file's [size, mtime_ns, digest]: a file rewritten to the same size is read again by its time."""
    stage, path = graph.BY_NAME["changes"], code_tree / "changes" / "x.py"
    seen: dict = {}
    first = runner.code_digest(stage, seen=seen)
    assert seen[str(path)][:2] == [path.stat().st_size, path.stat().st_mtime_ns]
    with pytest.MonkeyPatch.context() as patch:  # nothing moved: the memo, no file read
        patch.setattr(Path, "read_bytes", lambda self: pytest.fail(f"{self} read again"))
        assert runner.code_digest(stage, seen=seen) == first
    moved = path.stat().st_mtime_ns + 10**9
    path.write_text(path.read_text(encoding="utf-8").replace("changes", "CHANGES"), encoding="utf-8")  # the same size
    os.utime(path, ns=(moved, moved))
    assert runner.code_digest(stage, seen=seen) == runner.code_digest(stage) != first
    path.write_text(path.read_text(encoding="utf-8") + "grown = 1\n", encoding="utf-8")  # another size, the same time
    os.utime(path, ns=(moved, moved))
    assert runner.code_digest(stage, seen=seen) == runner.code_digest(stage) != first


@pytest.mark.parametrize(
    "names, state, changed, said",
    [
        ([], {}, set(), "nothing changed"),
        (["ingest"], {}, set(), "a first build in this work area"),
        (["dedup"], {"dedup": "k"}, {"TAG_DECISIONS", "DECISIONS"}, "DECISIONS, TAG_DECISIONS changed"),
        (["dedup"], {"dedup": "k"}, set(), "the code, an option or a missing output changed"),
    ],
)
def test_why_stages_run_is_said_in_a_few_words(names, state, changed, said):
    assert runner.why(names, state, changed) == said


def test_a_stage_is_stale_when_its_key_changed_or_an_output_is_missing(tmp_path):
    stage_keys = {s.name: f"key of {s.name}" for s in graph.STAGES}
    everything = [s.name for s in graph.STAGES]
    assert runner.stale(stage_keys, {}, tmp_path) == everything  # a first build: nothing recorded, nothing there
    for output in {o for s in graph.STAGES for o in s.outputs}:
        (tmp_path / output).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / output).write_text("", encoding="utf-8")
    assert runner.stale(stage_keys, dict(stage_keys), tmp_path) == []
    assert runner.stale(stage_keys, dict(stage_keys, tags="an older key", dedup="an older key"), tmp_path) == ["dedup", "tags"]
    assert runner.stale(stage_keys, dict(stage_keys, tags="an older key"), tmp_path, wanted={"dedup", "check"}) == []
    assert runner.stale(stage_keys, dict(stage_keys, tags="an older key"), tmp_path, wanted={"tags", "check"}) == ["tags"]
    (tmp_path / graph.BY_NAME["report"].outputs[0]).unlink()
    assert runner.stale(stage_keys, dict(stage_keys), tmp_path) == ["report"]
    assert runner.stale(stage_keys, dict(stage_keys), tmp_path, wanted={"ingest"}) == []


def test_a_failing_stage_stops_the_build_records_nothing_and_says_one_line(tmp_path, inputs):
    builds = tmp_path / ".warehouse-builds"
    area = graph.Area(builds, builds, "off")
    assert runner.build(inputs, builds, area, say=lambda *a, **k: None)["error"] is None
    Path(inputs["DECISIONS"]).write_text(
        "question_id_a,question_id_b,verdict,reviewer,date,note\nqa,qa,distinct,ana,2026-11-01,\n", encoding="utf-8"
    )
    said = []
    failed = runner.build(inputs, builds, area, say=lambda *parts, file=None: said.append(" ".join(parts)))
    assert failed["error"].startswith("error: ") and "decisions" in failed["error"] and failed["ran"][0] == "dedup"
    assert "Traceback" not in "\n".join(said)
    assert runner.read_state(builds / "work")["dedup"] != runner.keys(inputs, area)["dedup"]  # so it runs again next time


def test_the_prefetch_thread_starts_after_what_it_shares_with_the_stages_is_imported(monkeypatch):
    """Two threads importing one module graph at once can leave one with a partially initialised module (a clean-clone
    CI run: "partially initialized module 'typing' has no attribute 'ClassVar'" in ingest): the building thread imports
    the shared foundations before the prefetch thread starts."""
    import importlib

    imported, started_after = [], []

    def recording(name, *args):
        imported.append(name)
        return real(name, *args)

    class Recorded:
        def __init__(self, target, name, daemon):
            pass

        def start(self):
            started_after.append(list(imported))

    real = importlib.import_module
    monkeypatch.setattr(importlib, "import_module", recording)
    monkeypatch.setattr(runner.threading, "Thread", Recorded)
    assert runner.prefetch(["report"]) is not None
    assert len(started_after) == 1
    assert [m for m in started_after[0] if m in runner.FOUNDATIONS] == list(runner.FOUNDATIONS)  # all, before start
    assert {"typing", "numpy", "pandas", "pyarrow"} <= set(runner.FOUNDATIONS)
    assert runner.prefetch(["ingest"]) is None  # nothing slow to load: no thread, nothing imported


@pytest.mark.parametrize("name", [stage.name for stage in graph.STAGES])
def test_each_stage_builds_alone_from_an_empty_work_area(tmp_path, name):
    """A stage's `after` names everything it reads: built with only what the graph says it needs, in a fresh work
    area, it finishes (external read ingest's attributions undeclared, and `python -m pipeline external` failed)."""
    from helpers import build_stages

    warehouse, reports = build_stages(FIXTURE_APPENDIX, tmp_path, {name})
    built = [s for s in graph.STAGES if s.name in graph.upstream({name})]
    assert all((warehouse.parent / output).exists() for s in built for output in s.outputs)
    assert not any((warehouse.parent / output).exists() for s in graph.STAGES if s not in built for output in s.outputs
                   if output not in {o for b in built for o in b.writes})  # fmt: skip


def test_no_stage_command_changes_a_published_build(tmp_path):
    """#45: `python -m pipeline dedup --warehouse warehouse` replaced a file inside the published generation. Every
    stage command builds into the work area, so after a published build, each run of each (made to rebuild: other
    embeddings, an edited decisions file) leaves every published file's bytes and inode as they were."""
    from helpers import call_cli, editors_files

    inputs = editors_files(tmp_path / "raw") | {"SOURCE": str(FIXTURE_APPENDIX)}
    builds = tmp_path / "builds"
    links = (tmp_path / "warehouse", tmp_path / "reports")
    area = graph.Area(builds / "work" / "warehouse", builds / "work" / "reports", "off")
    assert runner.build(inputs, builds, area, say=lambda *a, **k: None)["error"] is None
    runner.publish(builds, links, say=lambda *a, **k: None)

    def published() -> dict:
        return {
            str(p): (p.stat().st_ino, p.read_bytes()) for link in links for p in sorted(link.resolve().rglob("*")) if p.is_file()
        }

    before = published()
    assert len(before) >= len(runner.STAGES)
    with open(inputs["DECISIONS"], "a", encoding="utf-8") as handle:
        handle.write("\n")
    words = ["--builds", str(builds), *(f"{k}={v}" for k, v in inputs.items())]
    for stage in graph.STAGES:
        assert call_cli(stage.name, "--embeddings", "auto", *words) == 0, stage.name
    assert published() == before
    assert (builds / "work" / "warehouse" / "questions.duckdb").stat().st_ino != os.stat(links[0] / "questions.duckdb").st_ino


def test_a_stage_whose_import_met_the_prefetch_thread_in_a_deadlock_runs_again_once_it_finished(tmp_path, inputs, monkeypatch):
    """A clean-clone run failed with "_DeadlockError: deadlock detected by _ModuleLock('narwhals.stable.v1')": the
    import lock cycle between the building thread and the prefetch thread. The stage runs again after the prefetch."""
    import dataclasses
    import threading
    from importlib._bootstrap import _DeadlockError

    calls = []
    real = runner.BY_NAME["ingest"]

    def flaky(area, inputs, context):
        calls.append(1)
        if len(calls) == 1:
            raise _DeadlockError("deadlock detected by _ModuleLock('narwhals.stable.v1') at 1")
        return real.run(area, inputs, context)

    monkeypatch.setitem(runner.BY_NAME, "ingest", dataclasses.replace(real, run=flaky))
    done = threading.Thread(target=lambda: None)
    done.start()
    monkeypatch.setattr(runner, "prefetch", lambda names: done)
    builds = tmp_path / ".warehouse-builds"
    result = runner.build(inputs, builds, graph.Area(builds, builds, "off"), only={"ingest"}, say=lambda *a, **k: None)
    assert result["error"] is None and len(calls) == 2


def test_a_stages_key_follows_its_inputs_and_options_and_keys_fills_the_code_memo(code_tree, tmp_path, inputs):
    def changed(before, after):
        return [name for name in before if before[name] != after[name]]

    area = graph.Area(tmp_path / "warehouse", tmp_path / "reports", "off")
    assert runner.keys(inputs, area) == runner.keys(inputs, area, runner.input_digests(inputs))
    digests = runner.input_digests(inputs)
    edited = runner.keys(inputs, area, dict(digests, DECISIONS="another digest"))
    assert changed(runner.keys(inputs, area, digests), edited) == ["dedup", "check", "warehouse", "report", "changes"]
    stamp, points = tmp_path / "base.json", tmp_path / "points.json"
    for path in (stamp, points):
        path.write_text("{}", encoding="utf-8")
    before = runner.keys(inputs, replace(area, base_stamp=stamp, points=points), digests)
    for path in (stamp, points):
        path.write_text('{"another": 1}', encoding="utf-8")
        assert changed(before, runner.keys(inputs, replace(area, base_stamp=stamp, points=points), digests)) == ["changes"]
        path.write_text("{}", encoding="utf-8")
    seen: dict = {}
    runner.keys(inputs, area, digests, seen)
    assert str(code_tree / "changes" / "y.py") in seen and str(code_tree / "ingest" / "x.py") in seen
