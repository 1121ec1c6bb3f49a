"""Assemble the dedup tables from questions, scores and the editors' decisions. Pure, column-wise.

`duplicate_pairs` is built as columns (numpy arrays), never as one dict per pair, so a bank of a million
questions with millions of candidate pairs stays in arrays from scoring to Parquet.
"""

import numpy as np

from pipeline.dedup.clusters import cluster_rows
from pipeline.dedup.decisions import STATUS, pair_key
from pipeline.dedup.score import DEFAULT, Settings, score_pair_columns

COMPONENTS = ("word_score", "char_score", "fuzz_score", "rare_score", "lexical_score", "semantic_score")


def duplicate_tables(questions: list[dict], decisions: list[dict], settings: Settings = DEFAULT, embeddings=None) -> dict:
    """Return `duplicate_pairs` (columns), `duplicate_clusters` and `duplicate_decisions` (rows).

    Every decided pair whose questions still exist is scored, candidate or not, and its verdict applied:
    a pair judged distinct is never flagged again; a confirmed pair joins its cluster.
    """
    ids = np.array([q["question_id"] for q in questions], dtype=object)
    labels = np.array([q["label"] for q in questions], dtype=object)
    position = {qid: i for i, qid in enumerate(ids)}
    verdicts = {(d["question_id_a"], d["question_id_b"]): d["verdict"] for d in decisions if not d["is_stale"]}
    decided = {(min(position[a], position[b]), max(position[a], position[b])) for a, b in verdicts}
    scored = score_pair_columns([q["text"] for q in questions], settings, decided, embeddings)
    a, b = scored["a"], scored["b"]
    swap = ids[a] > ids[b]  # question_id_a is the smaller id, as in the decisions file
    first, second = np.where(swap, b, a), np.where(swap, a, b)
    id_a, id_b = ids[first], ids[second]
    verdict = np.array([verdicts.get((x, y)) for x, y in zip(id_a, id_b)] if verdicts else [None] * len(a), dtype=object)
    score = scored["score"]
    undecided = np.array([v is None for v in verdict], dtype=bool)
    flagged = (verdict == "duplicate") | (undecided & (score >= settings.threshold))
    status = np.where(undecided, np.where(score >= settings.threshold, "needs review", "not flagged"),
                      np.array([STATUS.get(v, "") for v in verdict], dtype=object))  # fmt: skip
    order = np.lexsort((id_b, id_a, -score))
    pairs = {
        "question_id_a": id_a[order], "question_id_b": id_b[order], "label_a": labels[first][order], "label_b": labels[second][order],
        "score": score[order], **{name: scored[name][order] for name in COMPONENTS},
        "is_flagged": flagged[order], "decision": verdict[order], "status": status[order].astype(object),
    }  # fmt: skip
    edges = list(zip(pairs["question_id_a"][pairs["is_flagged"]], pairs["question_id_b"][pairs["is_flagged"]]))
    return {"duplicate_pairs": pairs, "duplicate_clusters": cluster_rows(edges, position), "duplicate_decisions": decisions}


def pair_rows(pairs: dict, mask=None) -> list[dict]:
    """Return the pairs selected by `mask` (all if None) as row dicts (NaN semantic scores as None)."""
    index = np.arange(len(pairs["score"])) if mask is None else np.flatnonzero(mask)
    rows = []
    for i in index:
        row = {name: (values[i].item() if hasattr(values[i], "item") else values[i]) for name, values in pairs.items()}
        if row["semantic_score"] != row["semantic_score"]:
            row["semantic_score"] = None
        rows.append(row)
    return rows


def review_mask(pairs: dict, settings: Settings = DEFAULT) -> np.ndarray:
    """Return which pairs an editor should see: flagged and undecided, in the uncertain band, or decided."""
    undecided = np.array([d is None for d in pairs["decision"]], dtype=bool)
    band = undecided & (pairs["score"] >= settings.threshold - settings.review_band)
    return band | ~undecided
