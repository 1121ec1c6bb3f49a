"""The warehouse stage: link questions to references, then build warehouse/questions.duckdb from the Parquet tables."""

import tempfile
from pathlib import Path

from pipeline import io, limits, models, paths
from pipeline.claims import attribution_claims
from pipeline.errors import InputError
from pipeline.schema import LINK_TABLES, TABLES, table
from pipeline.warehouse import link


def link_tables(
    questions: list[dict],
    refs: list[dict],
    attributions: list[dict],
    aliases: list[dict],
    generic: list[dict],
    history: list[dict] | None = None,
) -> dict[str, list[dict]]:
    """Return the link tables: aliases, generic terms, the verdict history, question → reference links, attribution →
    reference rows. Pure."""
    attribution_rows = [
        {"attribution_id": claim["attribution_id"], "work": claim["work"], "ref_id": ref_id, "source_line": claim["source_line"]}
        for claim in attribution_claims(attributions, refs)
        for ref_id in claim["matched_ref_ids"] or [None]
    ]
    return {
        "ref_aliases": aliases,
        "generic_terms": generic,
        "verdict_history": history or [],
        "question_refs": link.link_questions(questions, aliases),
        "attribution_refs": attribution_rows,
    }


def _parse(path: Path, parse):
    try:
        return parse(io.read_text(path, limits.CSV_MAX_BYTES, "an editors' CSV file"))
    except InputError as error:
        raise error.located(str(path)) from None


def run(
    warehouse: Path,
    aliases_path: Path,
    generic_path: Path,
    history_path: Path,
    later: frozenset[str] = frozenset(),
    sql_root: Path = paths.SQL,
) -> dict:
    """Return row counts and view names after writing the link tables and `questions.duckdb` into `warehouse`. The
    tables of the stages in `later` (they run after this one: the graph says which) are empty views until then."""
    questions, refs, attributions = (io.read_rows(table(name), warehouse) for name in ("questions", "refs", "attributions"))
    aliases = _parse(aliases_path, lambda text: link.parse_aliases(text, refs))
    generic = _parse(generic_path, link.parse_generic_terms)
    history = _parse(history_path, link.parse_verdict_history)
    tables = link_tables(questions, refs, attributions, aliases, generic, history)
    with io.staged_outputs(warehouse) as scratch, tempfile.TemporaryDirectory() as absent:
        for declared in LINK_TABLES:
            io.write_table(tables[declared.name], declared, scratch)
        parquet = {t.name: (scratch if t.stage == "warehouse" else Path(warehouse)) / f"{t.name}.parquet" for t in TABLES}
        for declared in TABLES:  # a later stage's table (changes adds history to a copy): empty, never written here
            if declared.stage in later:
                parquet[declared.name] = io.write_table([], declared, Path(absent))
        views = models.build(scratch / paths.DUCKDB_FILE, parquet, sql_root)
    return {
        "rows": {name: len(rows) for name, rows in tables.items()},
        "views": views,
        "stale_aliases": [a["source_line"] for a in tables["ref_aliases"] if a["is_stale"]],
    }


def summary(result: dict, database: str = "warehouse/questions.duckdb") -> str:
    """Return the one-line terminal summary of a warehouse build (`database`: where a reader finds it)."""
    rows = result["rows"]
    stale = result["stale_aliases"]
    warning = (
        f"; {len(stale)} aliases name no reference row (lines {', '.join(map(str, stale[:10]))}): see ref_aliases.is_stale"
        if stale
        else ""
    )
    return (
        f"warehouse: {rows['question_refs']} question → reference links, {rows['ref_aliases']} aliases, "
        f"{len(result['views'])} views — {database}{warning}"
    )
