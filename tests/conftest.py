"""Shared fixtures: the real appendix, a small fixture appendix, and a runner for the CLI."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REAL_APPENDIX = ROOT / "raw" / "appendix2_interview_questions.txt"
FIXTURE_APPENDIX = ROOT / "tests" / "data" / "fixture_appendix.txt"

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")


@pytest.fixture(scope="session")
def real_text() -> str:
    return REAL_APPENDIX.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def real_tables(real_text):
    from pipeline.ingest.parse import parse_appendix

    return parse_appendix(real_text)


def run_cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """Run `python -m pipeline ARGS` and return the finished process (output captured as text)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "GX_ANALYTICS_ENABLED": "false"}
    return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=cwd, env=env, capture_output=True, text=True)


def snapshot(folder: Path) -> dict[str, bytes]:
    """Return every file under `folder` with its bytes: to prove a failed run changed nothing."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(Path(folder).rglob("*")) if p.is_file()}
