"""`make eval-tags`: how well the tag audit finds wrong tags. Pure: texts, tags (and embeddings) in, figures out.

Out-of-fold accuracy and per-tag precision, recall and F1 of the model; then the flipped-tag experiment: in a copy
of the bank, `flips` tags are changed at random to another tag (a seeded draw, `seeds` times), the audit is run
again, and the flipped questions are counted among the 15, 30 and 45 it finds least likely to carry their tag.
"""

import numpy as np

from pipeline.tags import model


def model_figures(texts: list[str], tags: list[str], embeddings=None) -> dict:
    """Return out-of-fold accuracy, macro-F1 and per-tag precision, recall, F1 and support."""
    from sklearn.metrics import f1_score, precision_recall_fscore_support

    classes, probabilities = model.out_of_fold_probabilities(texts, tags, embeddings)
    predicted = [classes[i] for i in probabilities.argmax(axis=1)]
    precision, recall, f1, support = precision_recall_fscore_support(tags, predicted, labels=classes, zero_division=0)
    return {
        "accuracy": round(float(np.mean(np.array(predicted) == np.array(tags))), 3),
        "macro_f1": round(float(f1_score(tags, predicted, labels=classes, average="macro", zero_division=0)), 3),
        "per_tag": [{"tag": c, "precision": round(float(p), 3), "recall": round(float(r), 3), "f1": round(float(f), 3), "support": int(n)}
                    for c, p, r, f, n in zip(classes, precision, recall, f1, support)],  # fmt: skip
    }


def flip_experiment(texts: list[str], tags: list[str], embeddings=None, flips: int = 15, seeds: int = 10, tops=(15, 30, 45)) -> dict:
    """Return, per k in `tops`, the mean, minimum and maximum number of flipped tags found among the k least likely."""
    classes = sorted(set(tags))
    found = []
    for seed in range(seeds):
        changed, chosen = model.flipped(tags, classes, flips, seed)
        changed_classes, probabilities = model.out_of_fold_probabilities(texts, changed, embeddings)
        _, quality = model.label_issues(changed, changed_classes, probabilities)
        found.append(model.found_in_top(quality, chosen, tops))
    return {"flips": flips, "seeds": seeds,
            "found": {k: {"mean": round(float(np.mean([f[k] for f in found])), 1), "min": min(f[k] for f in found),
                          "max": max(f[k] for f in found), "runs": [f[k] for f in found]} for k in tops}}  # fmt: skip
