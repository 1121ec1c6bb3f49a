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


def build_warehouse(source: Path, folder: Path, *warehouse_options: str, report: bool = False) -> tuple[Path, Path]:
    """Run ingest, dedup, warehouse (and report) on `source` into `folder`; return (warehouse, reports) folders."""
    warehouse, reports, decisions = folder / "wh", folder / "rep", folder / "decisions.csv"
    decisions.write_text("question_id_a,question_id_b,verdict,reviewer,date,note\n", encoding="utf-8")
    stages = [
        ("ingest", "--source", str(source), "--warehouse", str(warehouse)),
        ("dedup", "--warehouse", str(warehouse), "--decisions", str(decisions), "--reports", str(reports)),
        ("warehouse", "--warehouse", str(warehouse), *warehouse_options),
    ] + ([("report", "--warehouse", str(warehouse), "--reports", str(reports))] if report else [])
    for args in stages:
        assert call_cli(*args) == 0, args
    return warehouse, reports


def ingested_bank(folder: Path) -> tuple[Path, Path, Path, object]:
    """Ingest the real appendix into `folder`; return (warehouse, reports, decisions file, dedup) where dedup() runs the
    dedup stage with that decisions file (header only at first) and returns the duplicate_pairs rows."""
    import pyarrow.parquet as pq

    warehouse, reports, decisions = folder / "wh", folder / "rep", folder / "decisions.csv"
    decisions.write_text("question_id_a,question_id_b,verdict,reviewer,date,note\n", encoding="utf-8")
    assert call_cli("ingest", "--source", str(REAL_APPENDIX), "--warehouse", str(warehouse)) == 0

    def dedup() -> list[dict]:
        assert call_cli("dedup", "--warehouse", str(warehouse), "--decisions", str(decisions), "--reports", str(reports)) == 0
        return pq.ParquetFile(warehouse / "duplicate_pairs.parquet").read().to_pylist()

    return warehouse, reports, decisions, dedup


def run_with_decisions(stage: str, warehouse: Path, decisions: Path, reports: Path) -> subprocess.CompletedProcess:
    """Run `dedup` or `tags` as a process on `warehouse` with an editors' decisions file, embeddings off."""
    return run_cli(
        stage, "--warehouse", str(warehouse), "--decisions", str(decisions), "--reports", str(reports), "--embeddings", "off"
    )
