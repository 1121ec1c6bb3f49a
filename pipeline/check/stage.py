"""The check stage: run the suites in expectations/ on the warehouse; write reports/quality.json and quality.html."""

from pathlib import Path

from pipeline import io, limits
from pipeline.check import frames as check_frames
from pipeline.check.page import render_html
from pipeline.check.summary import failed_outcomes, summarise
from pipeline.errors import InputError
from pipeline.schema import TABLES, report_file
from pipeline.suites import load_suites, tolerance


def evaluate(tables: dict, suites: list[dict], tolerance_override: float | None = None) -> dict:
    """Return the quality report of `tables` (DataFrames by name) under `suites`: every expectation's outcome."""
    from pipeline.check.validate import validate  # imports GX: only this stage pays for it

    allowed = tolerance(suites) if tolerance_override is None else tolerance_override
    frames = check_frames.check_frames(tables, allowed)
    outcomes = validate(suites, frames, check_frames.suite_parameters(tables))
    return {
        "tolerance": allowed,
        "passed": sum(o["success"] for o in outcomes),
        "critical_failed": len(failed_outcomes(outcomes, "critical")),
        "warnings": len(failed_outcomes(outcomes, "warning")),
        "tag_claims": frames["tag_claims"].to_dict("records"),
        "outcomes": outcomes,
    }


def run(warehouse: Path, expectations: Path, reports: Path, tolerance_override: float | None = None) -> dict:
    """Return the quality report after writing it into `reports`: `quality.json` for scripts, `quality.html` for people."""
    suites = load_suites(expectations)
    tables = {t.name: io.read_table(t, warehouse) for t in TABLES if t.stage == "ingest"}
    tables |= {
        t.name: io.read_table(t, warehouse)
        for t in TABLES
        if t.stage == "external" or t.name in ("duplicate_pairs", "tag_suspects")
        if (Path(warehouse) / f"{t.name}.parquet").exists()
    }
    report = evaluate(tables, suites, tolerance_override)
    with io.staged_outputs(reports) as scratch:
        io.write_json(report, scratch / report_file("quality.json"))
        io.write_page(scratch / "quality.html", render_html(report))
    return report


def read_report(reports: Path) -> dict:
    """Return the quality report a build wrote (`quality.json`); InputError if there is none."""
    import json

    path = Path(reports) / "quality.json"
    try:
        return json.loads(io.read_text(path, limits.REPORT_MAX_BYTES, "a quality report"))
    except json.JSONDecodeError as error:
        raise InputError(f"not the check stage's JSON: {error.msg}", str(path), error.lineno) from None


def exit_code(report: dict, strict: bool) -> int:
    """Return 1 when a critical expectation failed (or, with `strict`, any warning), else 0."""
    return 1 if report["critical_failed"] or (strict and report["warnings"]) else 0


def summary(report: dict) -> str:
    """Return the terminal summary of a check run."""
    return summarise(report["outcomes"], report["tag_claims"], report["tolerance"])
