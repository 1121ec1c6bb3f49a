"""The tags stage: audit every question's tag against its wording; write tag_suspects, tag_decisions and the report."""

from pathlib import Path

import numpy as np

from pipeline import io, limits
from pipeline.errors import InputError
from pipeline.schema import table
from pipeline.tags import model, report
from pipeline.tags.decisions import apply_decisions, parse_tag_decisions


def audit(questions: list[dict], embeddings=None) -> tuple[list[str], np.ndarray, list[dict]]:
    """Return (classes, out-of-fold probabilities, one row per tagged question).

    A tag carried by fewer than two questions cannot be learned out of fold: its questions get a row that says
    so (no suggestion, no probability, never a suspect). Questions without a tag are left out.
    """
    from collections import Counter

    tagged = [q for q in questions if q["tag"]]
    counts = Counter(q["tag"] for q in tagged)
    auditable = [i for i, q in enumerate(tagged) if counts[q["tag"]] >= model.MIN_PER_TAG]
    classes, probabilities, rows = [], np.zeros((0, 0)), {}
    if len({tagged[i]["tag"] for i in auditable}) >= 2:
        chosen = [tagged[i] for i in auditable]
        tags = [q["tag"] for q in chosen]
        vectors = None if embeddings is None else embeddings[auditable]
        classes, probabilities = model.out_of_fold_probabilities([q["text"] for q in chosen], tags, vectors)
        is_suspect, quality = model.label_issues(tags, classes, probabilities)
        rows = {r["question_id"]: r for r in model.suspect_rows(chosen, classes, probabilities, is_suspect, quality)}
    unaudited = {
        "suggested_tag": None,
        "tag_probability": None,
        "suggested_probability": None,
        "is_suspect": False,
        "suspect_rank": None,
    }
    return (
        classes,
        probabilities,
        [
            rows.get(
                q["question_id"],
                {
                    "question_id": q["question_id"],
                    "label": q["label"],
                    "source_line": q.get("source_line"),
                    "tag": q["tag"],
                    **unaudited,
                },
            )
            for q in tagged
        ],
    )


_LAST_AUDIT: dict = {}  # the last audit in this process, by what it read: a verdict alone does not refit the model


def audit_once(questions: list[dict], vectors) -> tuple[list[str], np.ndarray, list[dict]]:
    """Return `audit(questions, vectors)`, fitted again only when the questions, their tags or their vectors changed
    since this process last fitted (the review workbench rebuilds in-process after every verdict)."""
    import copy
    import hashlib

    digest = hashlib.sha256(repr([(q["question_id"], q["label"], q["tag"], q["text"]) for q in questions]).encode())
    digest.update(b"" if vectors is None else np.ascontiguousarray(vectors).tobytes())
    key = digest.hexdigest()
    if _LAST_AUDIT.get("key") != key:
        _LAST_AUDIT.clear()
        _LAST_AUDIT.update(key=key, result=audit(questions, vectors))
    return copy.deepcopy(_LAST_AUDIT["result"])


def run(warehouse: Path, decisions_path: Path, reports: Path, embeddings: str = "auto") -> dict:
    """Return the audit after writing its tables into `warehouse` and tag_audit.md/.html into `reports`."""
    from pipeline.similarity.embed import embeddings_for
    from pipeline.similarity.score import DEFAULT

    questions, sections, tags_table = (io.read_rows(table(n), warehouse) for n in ("questions", "sections", "tags"))
    declared = {t["tag"] for t in tags_table if t["is_declared"]}
    try:
        decisions = parse_tag_decisions(
            io.read_text(decisions_path, limits.CSV_MAX_BYTES, "an editors' CSV file"),
            {q["question_id"]: q["label"] for q in questions},
            declared,
        )
    except InputError as error:
        raise error.located(str(decisions_path)) from None
    tagged = [q for q in questions if q["tag"]]
    vectors = embeddings_for([q["text"] for q in tagged], embeddings, DEFAULT.embed_max_questions)
    classes, probabilities, rows = audit_once(questions, vectors)
    rows = apply_decisions(rows, decisions)
    audited = [r for r in rows if r["suggested_tag"] is not None]
    accuracy = float(np.mean([r["suggested_tag"] == r["tag"] for r in audited])) if audited else float("nan")
    shown = report.view(questions, sections, rows, decisions, tags_table, accuracy)
    shown.update(classes=list(classes), confusion=report.confusion(rows, classes))
    with io.staged_outputs(warehouse) as warehouse_scratch, io.staged_outputs(reports) as reports_scratch:
        io.write_table(rows, table("tag_suspects"), warehouse_scratch)
        io.write_table(decisions, table("tag_decisions"), warehouse_scratch)
        io.write_page(reports_scratch / "tag_audit.md", report.render_markdown(shown))
        io.write_page(reports_scratch / "tag_audit.html", report.render_html(shown))
    return {"rows": rows, "decisions": decisions, "accuracy": accuracy, "view": shown}


def summary(result: dict) -> str:
    """Return the one-line terminal summary of the tags stage."""
    view = result["view"]
    accuracy = "n/a (too few tagged questions)" if result["accuracy"] != result["accuracy"] else f"{result['accuracy']:.0%}"
    return (
        f"tags: out-of-fold accuracy {accuracy}, {len(view['suspects'])} suspects, {view['kept']} kept, "
        f"{len(view['edits'])} edits to make, {len(view['stale'])} stale decisions"
    )
