"""The dedup stage: score pairs, apply the editors' decisions, write the dedup tables and the review report."""

from pathlib import Path

from pipeline import io
from pipeline.dedup.decisions import parse_decisions
from pipeline.dedup.report import render_csv, render_html
from pipeline.dedup.score import DEFAULT, SEMANTIC
from pipeline.dedup.tables import duplicate_tables, pair_rows, review_mask
from pipeline.errors import InputError
from pipeline.schema import DEDUP_TABLES, table


def run(warehouse: Path, decisions_path: Path, reports: Path, semantic: bool = False) -> dict[str, list[dict]]:
    """Return the dedup tables after writing them into `warehouse` and the review page and CSV into `reports`.

    With `semantic`, sentence embeddings join the score (the optional extra; see pipeline/dedup/semantic.py).
    """
    questions = io.read_rows(table("questions"), warehouse)
    try:
        decisions = parse_decisions(io.read_text(decisions_path), {q["question_id"] for q in questions})
    except InputError as error:
        raise error.located(str(decisions_path)) from None
    settings, embeddings = DEFAULT, None
    if semantic:
        from pipeline.dedup.semantic import load_encoder

        settings, embeddings = SEMANTIC, load_encoder()([q["text"] for q in questions])
    tables = duplicate_tables(questions, decisions, settings, embeddings)
    pairs = tables["duplicate_pairs"]
    tables["review_pairs"] = pair_rows(pairs, review_mask(pairs, settings))
    tables["counts"] = {"pairs": len(pairs["score"]), "flagged": int(pairs["is_flagged"].sum()),
                        "review": int((pairs["status"] == "needs review").sum())}  # fmt: skip
    with io.staged_outputs(warehouse) as warehouse_scratch, io.staged_outputs(reports) as reports_scratch:
        (reports_scratch / "duplicates.html").write_text(render_html(questions, tables, settings), encoding="utf-8")
        (reports_scratch / "duplicates.csv").write_text(render_csv(questions, tables, settings), encoding="utf-8")
        for declared in DEDUP_TABLES:
            if declared.name == "duplicate_pairs":
                io.write_columns(pairs, declared, warehouse_scratch)
            else:
                io.write_table(tables[declared.name], declared, warehouse_scratch)
    return tables


def summary(tables: dict[str, list[dict]]) -> str:
    """Return the one-line terminal summary of a dedup run."""
    counts = tables["counts"]
    groups = len({c["cluster_id"] for c in tables["duplicate_clusters"]})
    stale = sum(d["is_stale"] for d in tables["duplicate_decisions"])
    return (
        f"dedup: {counts['pairs']} pairs scored, {counts['flagged']} flagged in {groups} groups, "
        f"{counts['review']} to review, {len(tables['duplicate_decisions'])} decisions ({stale} stale) — reports/duplicates.html"
    )
