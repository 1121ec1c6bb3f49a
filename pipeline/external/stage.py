"""The external stage: read every registered bank, match its questions to the appendix, write tables and report."""

from pathlib import Path

from pipeline import io
from pipeline.dedup.score import DEFAULT, SEMANTIC
from pipeline.errors import InputError
from pipeline.external import report, tables
from pipeline.external.markdown import parse_bank
from pipeline.external.registry import parse_registry
from pipeline.schema import EXTERNAL_TABLES, table


def run(warehouse: Path, registry_path: Path, reports: Path, semantic: bool = False) -> dict[str, list[dict]]:
    """Return the external tables after writing them into `warehouse` and the coverage report into `reports`."""
    try:
        banks = parse_registry(io.read_text(registry_path))
    except InputError as error:
        raise error.located(str(registry_path)) from None
    questions, sections, attributions = (io.read_rows(table(n), warehouse) for n in ("questions", "sections", "attributions"))
    settings = SEMANTIC if semantic else DEFAULT
    encode = None
    if semantic:
        from pipeline.dedup.semantic import load_encoder

        encode = load_encoder()
    out = {t.name: [] for t in EXTERNAL_TABLES}
    views = []
    for bank in banks:
        path = Path(registry_path).parent / bank["file"]
        try:
            parsed = parse_bank(io.read_text(path), bank["layout"], bank["question_level"])
        except InputError as error:
            raise error.located(str(path)) from None
        if not parsed:
            raise InputError(f"no question found in the {bank['layout']} layout: check the registry's layout", str(path))
        external = tables.question_rows(bank["bank_id"], parsed)
        embeddings = None
        if encode is not None:
            import numpy as np

            embeddings = np.vstack([encode([q["text"] for q in questions]), encode([x["text"] for x in external])])
        coverage = tables.coverage_rows(questions, external, settings, embeddings)
        bank_row = tables.bank_row(bank, len(external), attributions)
        out["external_banks"].append(bank_row)
        out["external_questions"] += external
        out["external_coverage"] += coverage
        views.append(report.coverage_view(bank_row, external, coverage, questions, sections, settings.threshold - settings.review_band))
    with io.staged_outputs(warehouse) as warehouse_scratch, io.staged_outputs(reports) as reports_scratch:
        for declared in EXTERNAL_TABLES:
            io.write_table(out[declared.name], declared, warehouse_scratch)
        (reports_scratch / "external_coverage.md").write_text(report.render_markdown(views, settings.threshold, settings.threshold - settings.review_band), encoding="utf-8")
        (reports_scratch / "external_coverage.html").write_text(report.render_html(views, settings.threshold, settings.threshold - settings.review_band), encoding="utf-8")
    return out


def summary(out: dict[str, list[dict]]) -> str:
    """Return the one-line terminal summary of the external stage."""
    parts = []
    for bank in out["external_banks"]:
        covered = sum(c["is_covered"] for c in out["external_coverage"] if c["bank_id"] == bank["bank_id"])
        stated = f", appendix states {bank['stated_count']}" if bank["stated_count"] is not None else ""
        parts.append(f"{bank['bank_id']}: {bank['questions']} questions{stated}, {covered} covered")
    return "external: " + "; ".join(parts) + " — reports/external_coverage.html"
