"""Measure the duplicate scorer against labelled pairs. Pure but for `load_labels`.

Two labelled sets live in tests/data: `dedup_labels.csv`, the development set the weights and thresholds
were chosen on (its figures are optimistic), and `dedup_labels_holdout.csv`, labelled blind afterwards and
never used to choose anything (its figures are the honest estimate).

Positives are the `duplicate` pairs, negatives the `distinct` ones (hard negatives: template look-alikes);
`related` pairs are reported apart, counted in neither. A labelled pair that is not a candidate counts as
not flagged (score 0).
"""

import csv
from pathlib import Path

from pipeline.errors import InputError

VERDICTS = ("duplicate", "related", "distinct")


def load_labels(path: Path, labels_to_text: dict[str, str]) -> list[dict]:
    """Return the labelled pairs, each with the question texts; InputError with the line for a bad row."""
    rows = []
    with open(path, encoding="utf-8", newline="") as handle:
        for line_no, row in enumerate(csv.DictReader(handle), start=2):
            if row.get("verdict") not in VERDICTS:
                raise InputError(f"verdict must be one of {', '.join(VERDICTS)}", str(path), line_no)
            for key in ("label_a", "label_b"):
                if row[key] not in labels_to_text:
                    raise InputError(f"no question labelled {row[key]}", str(path), line_no)
            rows.append({**row, "line": line_no})
    return rows


def pair_scores(scored: list[dict], labels: list[str]) -> dict[frozenset, float]:
    """Return each scored pair's combined score, keyed by the set of the two question labels."""
    return {frozenset((labels[r["a"]], labels[r["b"]])): r["score"] for r in scored}


def metrics_at(threshold: float, labelled: list[dict], scores: dict[frozenset, float]) -> dict:
    """Return precision, recall, F1 and counts of the labelled pairs at `threshold`."""
    def flagged(row):
        return scores.get(frozenset((row["label_a"], row["label_b"])), 0.0) >= threshold

    positives = [r for r in labelled if r["verdict"] == "duplicate"]
    negatives = [r for r in labelled if r["verdict"] == "distinct"]
    true_positive = sum(map(flagged, positives))
    false_positive = sum(map(flagged, negatives))
    precision = true_positive / (true_positive + false_positive) if true_positive + false_positive else 1.0
    recall = true_positive / len(positives) if positives else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "threshold": threshold,
        "precision": round(precision, 3),
        "recall": round(recall, 3),
        "f1": round(f1, 3),
        "true_positives": true_positive,
        "false_positives": false_positive,
        "related_flagged": sum(flagged(r) for r in labelled if r["verdict"] == "related"),
        "bank_flagged": sum(score >= threshold for score in scores.values()),
        "missed": [f"{r['label_a']}~{r['label_b']}" for r in positives if not flagged(r)],
        "hard_negatives_flagged": [f"{r['label_a']}~{r['label_b']}" for r in negatives if flagged(r)],
    }


def sweep(labelled: list[dict], scores: dict[frozenset, float], thresholds: list[float]) -> list[dict]:
    """Return `metrics_at` for each threshold."""
    return [metrics_at(t, labelled, scores) for t in thresholds]


def format_table(rows: list[dict], default: float) -> str:
    """Return the sweep as a text table, the default threshold marked."""
    lines = ["threshold  precision  recall   f1     TP  FP  related  flagged-in-bank"]
    for row in rows:
        mark = "  <- default" if abs(row["threshold"] - default) < 1e-9 else ""
        lines.append(
            f"{row['threshold']:<9.2f}  {row['precision']:<9.3f}  {row['recall']:<7.3f}  {row['f1']:<5.3f}  "
            f"{row['true_positives']:<3} {row['false_positives']:<3} {row['related_flagged']:<8} {row['bank_flagged']}{mark}"
        )
    return "\n".join(lines)


SWEEP = [round(0.20 + 0.02 * i, 2) for i in range(26)]


def format_report(name: str, labelled: list[dict], scores: dict[frozenset, float], default: float) -> str:
    """Return the evaluation of one labelled set: counts, the default threshold's figures, misses, and the sweep."""
    at_default = metrics_at(default, labelled, scores)
    counts = {v: sum(r["verdict"] == v for r in labelled) for v in VERDICTS}
    thresholds = SWEEP if default in SWEEP else sorted(SWEEP + [default])
    return "\n".join([
        f"labelled set {name}: {counts['duplicate']} duplicate, {counts['related']} related, {counts['distinct']} distinct (hard negatives)",
        f"default threshold {default}: precision {at_default['precision']:.3f}, recall {at_default['recall']:.3f}, "
        f"F1 {at_default['f1']:.3f}; {at_default['bank_flagged']} pairs flagged in the bank",
        "missed repeats: " + (", ".join(at_default["missed"]) or "none"),
        "hard negatives flagged: " + (", ".join(at_default["hard_negatives_flagged"]) or "none"),
        format_table(sweep(labelled, scores, thresholds), default),
    ])  # fmt: skip
