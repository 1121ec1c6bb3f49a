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
        "per_tag": [
            {"tag": c, "precision": round(float(p), 3), "recall": round(float(r), 3), "f1": round(float(f), 3), "support": int(n)}
            for c, p, r, f, n in zip(classes, precision, recall, f1, support)
        ],
    }


def flip_experiment(
    texts: list[str], tags: list[str], embeddings=None, flips: int = 15, seeds: int = 10, tops=(15, 30, 45)
) -> dict:
    """Return, per k in `tops`, the mean, minimum and maximum number of flipped tags found among the k least likely."""
    classes = sorted(set(tags))
    found = []
    for seed in range(seeds):
        changed, chosen = model.flipped(tags, classes, flips, seed)
        changed_classes, probabilities = model.out_of_fold_probabilities(texts, changed, embeddings)
        _, quality = model.label_issues(changed, changed_classes, probabilities)
        found.append(model.found_in_top(quality, chosen, tops))
    return {
        "flips": flips,
        "seeds": seeds,
        "found": {
            k: {
                "mean": round(float(np.mean([f[k] for f in found])), 1),
                "min": min(f[k] for f in found),
                "max": max(f[k] for f in found),
                "runs": [f[k] for f in found],
            }
            for k in tops
        },
    }


def add_arguments(parser) -> None:
    from pathlib import Path

    from pipeline import paths

    parser.add_argument("--source", type=Path, default=paths.SOURCE, help="the appendix")
    parser.add_argument("--flips", type=int, default=15, help="tags flipped per run (default 15)")
    parser.add_argument("--seeds", type=int, default=10, help="runs, one seed each (default 10)")


def main(args, context: dict) -> int:
    from pipeline import io, limits
    from pipeline.ingest.parse import parse_appendix
    from pipeline.similarity.embed import embeddings_for
    from pipeline.terminal import say

    tagged = [
        q for q in parse_appendix(io.read_text(args.source, limits.APPENDIX_MAX_BYTES, "the appendix"))["questions"] if q["tag"]
    ]
    texts, tags = [q["text"] for q in tagged], [q["tag"] for q in tagged]
    for mode in ("on", "off"):
        vectors = embeddings_for(texts, mode, 0)
        figures = model_figures(texts, tags, vectors)
        say(
            f"embeddings {mode}: out-of-fold accuracy {figures['accuracy']:.3f}, macro-F1 {figures['macro_f1']:.3f} ({len(texts)} tagged questions)"
        )
        for row in figures["per_tag"]:
            say(
                f"  {row['tag']:<12} precision {row['precision']:.3f}  recall {row['recall']:.3f}  F1 {row['f1']:.3f}  ({row['support']} questions)"
            )
        flips = flip_experiment(texts, tags, vectors, args.flips, args.seeds)
        say(
            f"  flipped-tag experiment ({flips['flips']} tags flipped at random, {flips['seeds']} seeds): flips found among the k least likely"
        )
        for k, found in flips["found"].items():
            say(
                f"    top {k:>2}: mean {found['mean']:.1f} of {flips['flips']} (range {found['min']}–{found['max']}; runs {found['runs']})"
            )
    return 0
