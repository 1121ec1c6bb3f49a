"""The command line: stages joined by `+` run in one process, in order, and the first failure stops the rest."""

from helpers import REAL_APPENDIX, ROOT, run_cli


def test_a_stage_command_builds_what_it_reads_through_the_runner_and_publishes_nothing(tmp_path):
    from helpers import stage_cli, work_area

    result = stage_cli("external", REAL_APPENDIX, tmp_path, EXTERNAL_BANKS=ROOT / "raw" / "external_banks.csv")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("build: ingest, external (a first build")  # external reads ingest's attributions
    warehouse, _ = work_area(tmp_path)
    assert (warehouse / "external_questions.parquet").exists() and not (warehouse / "duplicate_pairs.parquet").exists()
    assert not (tmp_path / "builds" / "current").exists()  # nothing published
    again = stage_cli("external", REAL_APPENDIX, tmp_path, EXTERNAL_BANKS=ROOT / "raw" / "external_banks.csv")
    assert again.returncode == 0 and "up to date" in again.stdout


def test_a_stage_refuses_the_options_it_no_longer_has(tmp_path):
    """`dedup --warehouse warehouse` once rewrote a published generation (#45): no stage takes an output folder."""
    result = run_cli("dedup", "--warehouse", str(tmp_path))
    assert result.returncode == 2 and "unrecognized arguments: --warehouse" in result.stderr


def test_a_mistyped_command_is_one_line(tmp_path):
    result = run_cli("injest", "--builds", str(tmp_path))
    assert result.returncode == 2
    assert "invalid choice: 'injest'" in result.stderr and "Traceback" not in result.stderr
