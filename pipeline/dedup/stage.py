"""The dedup stage: score pairs, apply the editors' decisions, write the dedup tables and the review report."""

from pathlib import Path

import numpy as np

from pipeline import io, limits
from pipeline.dedup.decisions import parse_decisions
from pipeline.dedup.report import render_csv, render_html, score_histogram
from pipeline.dedup.tables import duplicate_tables, pair_rows, review_mask
from pipeline.errors import InputError
from pipeline.schema import DEDUP_TABLES, report_file, table
from pipeline.similarity.score import DEFAULT


def run(warehouse: Path, decisions_path: Path, reports: Path, embeddings: str = "auto", lexical=None) -> dict[str, list[dict]]:
    """Return the dedup tables after writing them into `warehouse` and the review page and CSV into `reports`.

    `embeddings` is auto, on or off: whether sentence embeddings join the score (pipeline/similarity/embed.py).
    `lexical` is the bank's vector space if overlap built it in this process (it is used, then let go).
    """
    from pipeline.similarity.embed import embeddings_for

    questions = io.read_rows(table("questions"), warehouse)
    try:
        decisions = parse_decisions(
            io.read_text(decisions_path, limits.CSV_MAX_BYTES, "an editors' CSV file"), {q["question_id"] for q in questions}
        )
    except InputError as error:
        raise error.located(str(decisions_path)) from None
    settings = DEFAULT
    vectors = embeddings_for([q["text"] for q in questions], embeddings, settings.embed_max_questions)
    tables = duplicate_tables(questions, decisions, settings, vectors, lexical)
    del lexical  # the bank's space is no longer needed: the pages and tables are built without it (1M: 2.4 GB less at peak)
    pairs = tables["duplicate_pairs"]
    tables["review_pairs"] = pair_rows(pairs, review_mask(pairs))
    tables["histogram"] = score_histogram(pairs["score"], np.array([v is None for v in pairs["verdict"]], dtype=bool))
    tables["counts"] = {
        "pairs": len(pairs["score"]),
        "flagged": int(pairs["is_flagged"].sum()),
        "review": int((pairs["status"] == "needs review").sum()),
        "queue": int((~np.isnan(pairs["queue_rank"])).sum()),
    }
    with io.staged_outputs(warehouse) as warehouse_scratch, io.staged_outputs(reports) as reports_scratch:
        chapters, sections = io.read_rows(table("chapters"), warehouse), io.read_rows(table("sections"), warehouse)
        io.write_page(reports_scratch / "duplicates.html", render_html(questions, tables, chapters, sections, settings))
        (reports_scratch / report_file("duplicates.csv")).write_text(render_csv(questions, tables, settings), encoding="utf-8")
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
    learned = f", score learned from {tables['learned_from']} verdicts" if tables["learned_from"] else ""
    return (
        f"dedup: {counts['pairs']} pairs scored{learned}, {counts['flagged']} flagged in {groups} groups, "
        f"{counts['review']} to review, {counts['queue']} in the review queue, {len(tables['duplicate_decisions'])} decisions ({stale} stale)"
    )
