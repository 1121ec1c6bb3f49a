"""Assemble the dedup tables from questions, scores and the editors' decisions. Pure."""

from pipeline.dedup.clusters import cluster_rows
from pipeline.dedup.decisions import is_flagged, pair_key, status
from pipeline.dedup.score import DEFAULT, Settings, score_pairs

COMPONENTS = ("word_score", "char_score", "fuzz_score", "rare_score", "lexical_score", "semantic_score")


def duplicate_tables(questions: list[dict], decisions: list[dict], settings: Settings = DEFAULT, embeddings=None) -> dict[str, list[dict]]:
    """Return `duplicate_pairs`, `duplicate_clusters` and `duplicate_decisions` rows.

    Every decided pair whose questions still exist is scored, candidate or not, and its verdict applied:
    a pair judged distinct is never flagged again; a confirmed pair joins its cluster.
    """
    ids = [q["question_id"] for q in questions]
    position = {qid: i for i, qid in enumerate(ids)}
    verdicts = {(d["question_id_a"], d["question_id_b"]): d["verdict"] for d in decisions if not d["is_stale"]}
    decided = frozenset(
        (min(position[a], position[b]), max(position[a], position[b])) for a, b in verdicts
    )
    pairs = []
    for row in score_pairs([q["text"] for q in questions], settings, decided, embeddings):
        key = pair_key(ids[row["a"]], ids[row["b"]])
        first, second = (row["a"], row["b"]) if ids[row["a"]] == key[0] else (row["b"], row["a"])
        verdict = verdicts.get(key)
        pairs.append(
            {
                "question_id_a": key[0],
                "question_id_b": key[1],
                "label_a": questions[first]["label"],
                "label_b": questions[second]["label"],
                "score": row["score"],
                **{name: row[name] for name in COMPONENTS},
                "is_flagged": is_flagged(row["score"], settings.threshold, verdict),
                "decision": verdict,
                "status": status(row["score"], settings.threshold, verdict),
            }
        )
    pairs.sort(key=lambda p: (-p["score"], p["question_id_a"], p["question_id_b"]))
    edges = [(p["question_id_a"], p["question_id_b"]) for p in pairs if p["is_flagged"]]
    return {"duplicate_pairs": pairs, "duplicate_clusters": cluster_rows(edges, position), "duplicate_decisions": decisions}
