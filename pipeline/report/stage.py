"""The report stage: query every report view of the warehouse; write reports/coverage.md, coverage.html and the charts."""

from pathlib import Path

from pipeline import io, paths
from pipeline.report.coverage import SECTIONS, charts, render_html, render_markdown

_LAST_CHARTS: dict = {}  # the last charts this process drew, by their data: a verdict does not redraw them


def charts_once(results: dict) -> dict[str, bytes]:
    """Return `charts(results)`, drawn again only when the data the charts show changed since this process drew."""
    key = repr([results[view] for view in ("rpt_tag_claims", "rpt_tag_mix_chapter")])
    if _LAST_CHARTS.get("key") != key:
        _LAST_CHARTS.clear()
        _LAST_CHARTS.update(key=key, pngs=charts(results))
    return dict(_LAST_CHARTS["pngs"])


def run(warehouse: Path, reports: Path, expectations: Path = paths.EXPECTATIONS) -> dict[str, int]:
    """Return rows per report view after writing the coverage report into `reports`.

    The tag claims' verdict column allows the ~ tolerance the checks use (the appendix_claims suite sets it)."""
    from pipeline.suites import load_suites, tolerance

    results = io.query_views(Path(warehouse) / paths.DUCKDB_FILE, [view for view, _, _ in SECTIONS] + ["chapters", "questions"])
    chapters = {row[0]: row[1] for row in results.pop("chapters")[1]}
    columns, rows = results.pop("questions")
    questions = {row[columns.index("label")]: row[columns.index("text")] for row in rows}
    pngs = charts_once(results)
    with io.staged_outputs(reports) as scratch:
        (scratch / "charts").mkdir()
        files = {}
        for name, png in pngs.items():
            (scratch / "charts" / f"{name}.png").write_bytes(png)
            files[name] = f"charts/{name}.png"
        io.write_page(scratch / "coverage.md", render_markdown(results, files))
        io.write_page(
            scratch / "coverage.html", render_html(results, pngs, chapters, questions, tolerance(load_suites(expectations)))
        )
    return {view: len(rows) for view, (_, rows) in results.items()}
