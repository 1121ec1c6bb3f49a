"""The check stage: run the suites in expectations/ on the warehouse; write reports/quality.json and Data Docs."""

from pathlib import Path

from pipeline import io
from pipeline.check import frames as check_frames
from pipeline.check.suites import load_suites, tolerance
from pipeline.check.summary import failed_outcomes, summarise
from pipeline.schema import TABLES


def evaluate(tables: dict, suites: list[dict], tolerance_override: float | None = None, docs_folder: Path | None = None) -> dict:
    """Return the quality report of `tables` (DataFrames by name) under `suites`: every expectation's outcome."""
    from pipeline.check.validate import validate  # imports GX: only this stage pays for it

    allowed = tolerance(suites) if tolerance_override is None else tolerance_override
    frames = check_frames.check_frames(tables, allowed)
    outcomes = validate(suites, frames, check_frames.suite_parameters(tables), docs_folder)
    return {
        "tolerance": allowed,
        "passed": sum(o["success"] for o in outcomes),
        "critical_failed": len(failed_outcomes(outcomes, "critical")),
        "warnings": len(failed_outcomes(outcomes, "warning")),
        "tag_claims": frames["tag_claims"].to_dict("records"),
        "outcomes": outcomes,
    }


def run(warehouse: Path, expectations: Path, reports: Path, tolerance_override: float | None = None) -> dict:
    """Return the quality report after writing it (`quality.json`) and the Data Docs (`data_docs/`) into `reports`."""
    suites = load_suites(expectations)
    tables = {t.name: io.read_table(t, warehouse) for t in TABLES if t.stage == "ingest"}
    tables |= {t.name: io.read_table(t, warehouse) for t in TABLES
               if t.stage == "external" or t.name == "duplicate_pairs" if (Path(warehouse) / f"{t.name}.parquet").exists()}  # fmt: skip
    with io.staged_outputs(reports) as scratch:
        report = evaluate(tables, suites, tolerance_override, scratch / "data_docs")
        io.write_json(report, scratch / "quality.json")
    return report


def exit_code(report: dict, strict: bool) -> int:
    """Return 1 when a critical expectation failed (or, with `strict`, any warning), else 0."""
    return 1 if report["critical_failed"] or (strict and report["warnings"]) else 0


def summary(report: dict) -> str:
    """Return the terminal summary of a check run."""
    return summarise(report["outcomes"], report["tag_claims"], report["tolerance"])
