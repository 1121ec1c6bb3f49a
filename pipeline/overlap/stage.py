"""The overlap stage: match every external question to the appendix; write `external_coverage` and the report."""

from pathlib import Path

from pipeline import io
from pipeline.overlap import report, tables
from pipeline.schema import table
from pipeline.similarity.score import DEFAULT


def run(warehouse: Path, reports: Path, embeddings: str = "auto") -> dict[str, list[dict]]:
    """Return `external_coverage` (and the appendix's vector space, for dedup) after matching every external question
    to the appendix; write the report.

    `embeddings` is auto, on or off (see `pipeline/similarity/embed.py`); auto embeds banks up to the settings' size.
    The appendix's space is built once here, serves every bank, and is returned: dedup, run next in the same process
    (`overlap + dedup`), scores the bank in it instead of building it again.
    """
    from pipeline.similarity.embed import embeddings_for
    from pipeline.similarity.signals import build_space

    questions, sections, banks, external, parts = (
        io.read_rows(table(n), warehouse)
        for n in ("questions", "sections", "external_banks", "external_questions", "external_layout_parts")
    )
    settings = DEFAULT
    appendix = embeddings_for([q["text"] for q in questions], embeddings, settings.embed_max_questions)
    threshold = settings.threshold_for(appendix is not None)
    near = threshold - settings.near_margin
    space = build_space([q["text"] for q in questions], settings) if questions else None
    coverage, views = [], []
    for bank in banks:
        items = [x for x in external if x["bank_id"] == bank["bank_id"]]
        vectors = None if appendix is None else (appendix, embeddings_for([x["text"] for x in items], "on", 0))
        rows = tables.coverage_rows(questions, items, settings, vectors, space)
        coverage += rows
        mine = [p for p in parts if p["bank_id"] == bank["bank_id"]]
        views.append(report.coverage_view(bank, items, rows, questions, sections, near, mine))
    with io.staged_outputs(warehouse) as warehouse_scratch, io.staged_outputs(reports) as reports_scratch:
        io.write_table(coverage, table("external_coverage"), warehouse_scratch)
        io.write_page(reports_scratch / "external_coverage.md", report.render_markdown(views, threshold, near))
        io.write_page(reports_scratch / "external_coverage.html", report.render_html(views, threshold, near))
    return {"external_banks": banks, "external_coverage": coverage, "space": space}


def summary(out: dict) -> str:
    """Return the one-line terminal summary of the overlap stage."""
    parts = []
    for bank in out["external_banks"]:
        rows = [c for c in out["external_coverage"] if c["bank_id"] == bank["bank_id"]]
        parts.append(f"{bank['bank_id']}: {sum(c['is_covered'] for c in rows)} of {len(rows)} covered")
    return "overlap: " + "; ".join(parts)
