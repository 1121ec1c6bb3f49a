"""Assemble the dedup tables from questions, scores and the editors' decisions. Pure, column-wise.

`duplicate_pairs` is built as columns (numpy arrays), never as one dict per pair, so a bank of a million
questions with millions of candidate pairs stays in arrays from scoring to Parquet.
"""

import numpy as np

from pipeline.dedup.clusters import cluster_rows
from pipeline.dedup.decisions import STATUS
from pipeline.similarity.score import DEFAULT, SCORE_COLUMNS, Settings, score_pair_columns

COMPONENTS = tuple(name for name in SCORE_COLUMNS if name not in ("is_same_section", "score"))  # the scores a pair row keeps


_LAST_SCORED: dict = {}  # the last scoring in this process, by what it read: a verdict alone does not score again


def scored_once(texts: list[str], settings: Settings, decided: set, embeddings, sections: list[str], lexical=None) -> dict:
    """Return `score_pair_columns(...)`, scored again only when needed (the workbench rebuilds in-process after every
    verdict). The scored pairs are the candidates and the decided pairs, and no score depends on a verdict: with the
    same texts, sections, vectors and settings, verdicts added on pairs already scored leave the result as it was."""
    import hashlib

    digest = hashlib.sha256(repr((texts, sections, settings)).encode())
    digest.update(b"" if embeddings is None else np.ascontiguousarray(embeddings).tobytes())
    key, last = digest.hexdigest(), _LAST_SCORED
    reusable = last.get("key") == key and (
        decided == last["decided"] or (decided >= last["decided"] and (decided - last["decided"]) <= last["pairs"])
    )
    if not reusable:
        scored = score_pair_columns(texts, settings, decided, embeddings, sections, lexical)
        last.clear()
        last.update(key=key, decided=set(decided), scored=scored, pairs=set(zip(scored["a"].tolist(), scored["b"].tolist())))
    return {name: np.array(values, copy=True) for name, values in last["scored"].items()}


def duplicate_tables(
    questions: list[dict], decisions: list[dict], settings: Settings = DEFAULT, embeddings=None, lexical=None
) -> dict:
    """Return `duplicate_pairs` (columns), `duplicate_clusters` and `duplicate_decisions` (rows).

    Every decided pair whose questions still exist is scored, candidate or not, and its verdict applied:
    a pair judged distinct is never flagged again; a confirmed pair joins its cluster. Undecided pairs get a
    `queue_rank`: the flagged ones first, then the `settings.review_band` best-scoring unflagged ones.
    """
    ids = np.array([q["question_id"] for q in questions], dtype=object)
    labels = np.array([q["label"] for q in questions], dtype=object)
    position = {qid: i for i, qid in enumerate(ids)}
    verdicts = {(d["question_id_a"], d["question_id_b"]): d["verdict"] for d in decisions if not d["is_stale"]}
    decided = {(min(position[a], position[b]), max(position[a], position[b])) for a, b in verdicts}
    scored = scored_once(
        [q["text"] for q in questions], settings, decided, embeddings, [q["section_id"] for q in questions], lexical
    )
    a, b = scored["a"], scored["b"]
    swap = ids[a] > ids[b]  # question_id_a is the smaller id, as in the decisions file
    first, second = np.where(swap, b, a), np.where(swap, a, b)
    id_a, id_b = ids[first], ids[second]
    verdict = np.array([verdicts.get((x, y)) for x, y in zip(id_a, id_b)] if verdicts else [None] * len(a), dtype=object)
    scored, threshold, learned_from = _learned(scored, verdict, settings.threshold_for(embeddings is not None))
    score = scored["score"]
    undecided = np.array([v is None for v in verdict], dtype=bool)
    flagged = (verdict == "duplicate") | (undecided & (score >= threshold))
    status = np.where(
        undecided,
        np.where(score >= threshold, "needs review", "not flagged"),
        np.array([STATUS.get(v, "") for v in verdict], dtype=object),
    )
    order = np.lexsort((second, first, -score))  # best first; ties in the bank's order
    pairs = {
        "question_id_a": id_a[order],
        "question_id_b": id_b[order],
        "label_a": labels[first][order],
        "label_b": labels[second][order],
        "score": score[order],
        **{name: scored[name][order] for name in COMPONENTS},
        "is_same_section": scored["is_same_section"][order] > 0,
        "is_flagged": flagged[order],
        "verdict": verdict[order],
        "status": status[order].astype(object),
        "queue_rank": queue_ranks(score[order] >= threshold, undecided[order], settings.review_band),
    }
    edges = list(zip(pairs["question_id_a"][pairs["is_flagged"]], pairs["question_id_b"][pairs["is_flagged"]]))
    return {
        "duplicate_pairs": pairs,
        "duplicate_clusters": cluster_rows(edges, position),
        "duplicate_decisions": decisions,
        "threshold": threshold,
        "learned_from": learned_from,
    }


def _learned(scored: dict, verdict: np.ndarray, threshold: float) -> tuple[dict, float, int]:
    """Return the scores (the learned combination's probabilities once enough verdicts exist), the threshold, and how many verdicts taught it.

    `verdict` holds each scored pair's verdict (None when undecided), in the order of `scored`.
    """
    from pipeline.similarity import learn

    decided = np.array([v is not None for v in verdict], dtype=bool)
    if not decided.any():
        return scored, threshold, 0
    features = learn.feature_matrix(scored)
    model = learn.fit(features[decided], verdict[decided] == "duplicate")
    if model is None:
        return scored, threshold, 0
    return {**scored, "score": learn.probabilities(model, features)}, learn.THRESHOLD, int(decided.sum())


def queue_ranks(over_threshold: np.ndarray, undecided: np.ndarray, band: int) -> np.ndarray:
    """Return each pair's place in the review queue (1 = first), NaN for pairs not worth a look.

    Pairs come best first. The queue holds every undecided pair over the threshold, then the next `band`
    undecided ones: the likeliest repeats the threshold missed. Decided pairs leave the queue.
    """
    flagged = over_threshold & undecided
    in_band = undecided & ~over_threshold
    in_band &= np.cumsum(in_band) <= band
    queued = flagged | in_band
    ranks = np.full(len(queued), np.nan)
    ranks[queued] = np.arange(1, int(queued.sum()) + 1)
    return ranks


def pair_rows(pairs: dict, mask=None) -> list[dict]:
    """Return the pairs selected by `mask` (all if None) as row dicts (NaN semantic scores as None)."""
    index = np.arange(len(pairs["score"])) if mask is None else np.flatnonzero(mask)
    rows = []
    for i in index:
        row = {name: (values[i].item() if hasattr(values[i], "item") else values[i]) for name, values in pairs.items()}
        for name in ("semantic_score", "queue_rank"):
            if row[name] != row[name]:
                row[name] = None
        if row["queue_rank"] is not None:
            row["queue_rank"] = int(row["queue_rank"])
        rows.append(row)
    return rows


def review_mask(pairs: dict) -> np.ndarray:
    """Return which pairs an editor should see: those in the review queue, and the decided ones."""
    queued = ~np.isnan(pairs["queue_rank"])
    decided = np.array([d is not None for d in pairs["verdict"]], dtype=bool)
    return queued | decided
