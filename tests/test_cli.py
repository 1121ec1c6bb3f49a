"""The command line: stages joined by `+` run in one process, in order, and the first failure stops the rest."""

import pytest

from helpers import REAL_APPENDIX, ROOT, run_cli, snapshot
from pipeline.cli import split_commands


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["ingest", "--warehouse", "w"], [["ingest", "--warehouse", "w"]]),
        (["ingest", "+", "external", "--registry", "r"], [["ingest"], ["external", "--registry", "r"]]),
        (["ingest", "+", "+", "external"], [["ingest"], [], ["external"]]),  # an empty command: argparse refuses it
        (["sql", "select '+'"], [["sql", "select '+'"]]),  # only a lone + separates
    ],
)
def test_split_commands(argv, expected):
    assert split_commands(argv) == expected


def test_joined_stages_run_in_order_in_one_process(tmp_path):
    registry = ROOT / "raw" / "external_banks.csv"
    result = run_cli(
        "ingest",
        "--source",
        str(REAL_APPENDIX),
        "--warehouse",
        str(tmp_path),
        "+",
        "external",
        "--warehouse",
        str(tmp_path),
        "--registry",
        str(registry),
    )
    assert result.returncode == 0, result.stderr
    assert [line.split(":")[0] for line in result.stdout.splitlines()] == ["ingest", "external"]
    assert (tmp_path / "questions.parquet").exists() and (tmp_path / "external_questions.parquet").exists()


def test_a_failing_stage_stops_the_stages_after_it(tmp_path):
    registry = ROOT / "raw" / "external_banks.csv"
    good = run_cli("ingest", "--source", str(REAL_APPENDIX), "--warehouse", str(tmp_path))
    assert good.returncode == 0, good.stderr
    before = snapshot(tmp_path)
    empty = tmp_path.parent / "empty.txt"
    empty.write_bytes(b"")
    result = run_cli(
        "ingest",
        "--source",
        str(empty),
        "--warehouse",
        str(tmp_path),
        "+",
        "external",
        "--warehouse",
        str(tmp_path),
        "--registry",
        str(registry),
    )
    assert result.returncode == 2
    assert result.stderr.strip() == f"error: {empty}: the appendix is empty"
    assert result.stdout == ""  # external never ran
    assert snapshot(tmp_path) == before


def test_a_mistyped_second_command_fails_before_the_first_runs(tmp_path):
    result = run_cli("ingest", "--source", str(REAL_APPENDIX), "--warehouse", str(tmp_path), "+", "injest")
    assert result.returncode == 2
    assert "invalid choice: 'injest'" in result.stderr
    assert not (tmp_path / "questions.parquet").exists()
