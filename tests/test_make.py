"""End to end through Make, into tmp_path: the DAG rebuilds what changed and nothing else."""

import os
import shutil
import subprocess

import pytest

from conftest import FIXTURE_APPENDIX, ROOT

pytestmark = pytest.mark.slow


def make(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE")}
    return subprocess.run(["make", "-C", str(ROOT), *args], capture_output=True, text=True, env=env)


@pytest.fixture
def outputs(tmp_path):
    source = tmp_path / "appendix.txt"
    shutil.copy(FIXTURE_APPENDIX, source)
    return [f"SOURCE={source}", f"WAREHOUSE={tmp_path / 'warehouse'}", f"REPORTS={tmp_path / 'reports'}", f"VENV={ROOT / '.venv'}"], tmp_path


def test_make_all_builds_then_does_nothing_the_second_time(outputs):
    args, tmp_path = outputs
    first = make("all", *args)
    assert first.returncode == 0, first.stdout + first.stderr
    assert (tmp_path / "warehouse" / "questions.parquet").exists()
    assert make("-q", "all", *args).returncode == 0  # -q: exit 0 only if every target is up to date
    os.utime(tmp_path / "appendix.txt")
    assert make("-q", "all", *args).returncode == 1


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
