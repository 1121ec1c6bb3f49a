"""What tests share: the project's paths, the command line run as a process or called in this one, snapshots, builds."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The real appendix as it stood when its golden figures (368 questions, 170 conceptual, …) were written: a frozen copy,
# so that an editor's weekly change to raw/ never breaks a test. raw/ is the editors'; tests read it only to build it.
REAL_APPENDIX = ROOT / "tests" / "data" / "appendix_frozen.txt"
FIXTURE_APPENDIX = ROOT / "tests" / "data" / "fixture_appendix.txt"


def call_cli(*args: str) -> int:
    """Run `python -m pipeline ARGS` in this process (a call, not a subprocess) and return its exit code."""
    from pipeline.cli import main

    return main(list(args))


def run_cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """Run `python -m pipeline ARGS` and return the finished process (output captured as text)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "GX_ANALYTICS_ENABLED": "false"}
    return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=cwd, env=env, capture_output=True, text=True)


def snapshot(folder: Path) -> dict[str, bytes]:
    """Return every file under `folder` with its bytes: to prove a failed run changed nothing."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(Path(folder).rglob("*")) if p.is_file()}


def outputs(folder: Path) -> dict[str, bytes]:
    """Return `snapshot(folder)` less the work area's own dotfiles (the runner's notes of what it read): the outputs."""
    return {name: data for name, data in snapshot(folder).items() if not name.startswith(".")}


def editors_files(folder: Path) -> dict[str, str]:
    """Write every editors' file the build reads, with its header only, into `folder`; return them as the build's
    inputs by name (so that no test reads today's raw/: the editors change it every week)."""
    from pipeline.flow.graph import INPUTS
    from pipeline.schema import EDITORS_FILES

    folder.mkdir(parents=True, exist_ok=True)
    for declared in EDITORS_FILES:
        path = folder / f"{declared.name}.csv"
        if not path.exists():
            path.write_text(",".join(declared.columns) + "\n", encoding="utf-8")
    return {name: str(folder / Path(default).name) for name, default in INPUTS.items() if name != "SOURCE"}


def build_stages(source: Path, folder: Path, only: set[str], embeddings: str = "off", **inputs: Path) -> tuple[Path, Path]:
    """Build the stages `only` and what they read from `source` through the runner (as `python -m pipeline <stage>`
    does), in this process, into the work area of `folder/builds`; the editors' files are empty unless given. Return
    the work area's (warehouse, reports)."""
    from pipeline.flow import runner
    from pipeline.flow.graph import Area

    builds = folder / "builds"
    given = editors_files(folder / "raw") | {"SOURCE": str(source)} | {k: str(v) for k, v in inputs.items()}
    work = builds / "work"
    result = runner.build(
        given, builds, Area(work / "warehouse", work / "reports", embeddings), only=only, say=lambda *a, **k: None
    )
    assert result["error"] is None, result["error"]
    return work / "warehouse", work / "reports"


def stage_cli(stage: str, source: Path, folder: Path, *words: str, **inputs: Path) -> subprocess.CompletedProcess:
    """Run `python -m pipeline <stage> --builds folder/builds --embeddings off NAME=PATH …` as a user does, the
    editors' files empty unless given; return the finished process."""
    given = editors_files(folder / "raw") | {"SOURCE": str(source)} | {k: str(v) for k, v in inputs.items()}
    return run_cli(
        stage, "--builds", str(folder / "builds"), "--embeddings", "off", *words, *(f"{k}={v}" for k, v in given.items())
    )


def work_area(folder: Path) -> tuple[Path, Path]:
    """Return the (warehouse, reports) of the work area `stage_cli` and `build_stages` build into."""
    return folder / "builds" / "work" / "warehouse", folder / "builds" / "work" / "reports"


def ingest_into(source: Path, warehouse: Path) -> dict:
    """Run the ingest stage's function on `source` into `warehouse` (a unit of the stage, not a way to run it)."""
    from pipeline.ingest import stage

    return stage.run(Path(source), Path(warehouse))


ALIASES_FROZEN = ROOT / "tests" / "data" / "ref_aliases_frozen.csv"  # raw/ref_aliases.csv when the golden figures were written
GENERIC_FROZEN = ROOT / "tests" / "data" / "generic_terms_frozen.csv"


def build_warehouse(source: Path, folder: Path, report: bool = False, **inputs: Path) -> tuple[Path, Path]:
    """Build `source` through the warehouse stage (and the report, if asked) into the work area of `folder`, with the
    frozen aliases and generic terms the golden figures were written against and the other editors' files empty,
    unless given; return (warehouse, reports) folders."""
    inputs = {"ALIASES": ALIASES_FROZEN, "GENERIC_TERMS": GENERIC_FROZEN} | inputs
    return build_stages(source, folder, {"warehouse", "report"} if report else {"warehouse"}, **inputs)


def ingested_bank(folder: Path) -> tuple[Path, Path, Path, object]:
    """Ingest the real appendix into `folder`; return (warehouse, reports, decisions file, dedup) where dedup() runs the
    dedup stage's function with that decisions file (header only at first) and returns the duplicate_pairs rows."""
    import pyarrow.parquet as pq

    from pipeline.dedup import stage

    warehouse, reports, decisions = folder / "wh", folder / "rep", folder / "decisions.csv"
    decisions.write_text("question_id_a,question_id_b,verdict,reviewer,date,note\n", encoding="utf-8")
    ingest_into(REAL_APPENDIX, warehouse)

    def dedup() -> list[dict]:
        stage.run(warehouse, decisions, reports)
        return pq.ParquetFile(warehouse / "duplicate_pairs.parquet").read().to_pylist()

    return warehouse, reports, decisions, dedup
