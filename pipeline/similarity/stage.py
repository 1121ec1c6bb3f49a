"""The embed step: encode the appendix's and the external banks' questions once, before the stages that use them.

Dedup, overlap and tags each ask for the same embeddings. Run in the ingest process (`make all` joins it there),
this step encodes every text once into the cache folder named by PIPELINE_EMBEDDINGS_CACHE; the later stages read
them from it without loading the model, and a rebuild after an edit encodes only the edited questions. It writes no
table: what it leaves is the cache, which nothing needs to be correct (a stage without it encodes for itself).
"""

import time
from pathlib import Path

from pipeline import io
from pipeline.schema import table
from pipeline.similarity.score import DEFAULT


def run(warehouse: Path, mode: str = "auto") -> dict:
    """Return how many texts were embedded and how many of them the model had to encode (the rest came from the cache)."""
    from pipeline.similarity.embed import encode, wanted

    count = io.row_count(table("questions"), warehouse)  # a bank too large to embed is not read at all
    if not wanted(count, mode, DEFAULT.embed_max_questions):
        return {"mode": mode, "texts": 0, "encoded": 0, "seconds": 0.0, "questions": count}
    questions = io.read_column(table("questions"), warehouse, "text")
    external = (
        io.read_column(table("external_questions"), warehouse, "text")
        if (warehouse / "external_questions.parquet").exists()
        else []
    )
    start = time.perf_counter()
    _, encoded = encode(questions + external)
    return {
        "mode": mode,
        "texts": len(questions) + len(external),
        "encoded": encoded,
        "seconds": time.perf_counter() - start,
        "questions": len(questions),
    }


def summary(out: dict) -> str:
    """Return the one-line terminal summary of the embed step."""
    if not out["texts"]:
        why = (
            "off"
            if out["mode"] == "off"
            else f"auto embeds banks up to {DEFAULT.embed_max_questions:,} questions; this one holds {out['questions']:,}"
        )
        return f"embed: no embeddings ({why})"
    return f"embed: {out['texts']} texts, {out['encoded']} encoded now, {out['texts'] - out['encoded']} from the cache ({out['seconds']:.1f} s)"
