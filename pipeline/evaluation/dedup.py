"""Measure the duplicate scorer. Pure but for the `load_*` readers.

Five labelled sets live in pipeline/evaluation/data; two choose, three confirm:
- `dedup_labels.csv` (pairs of the real bank) and `dedup_rewrites_dev.csv` (paraphrases and look-alikes): the
  development sets; the weights and thresholds are chosen on them (`choose`; their figures are optimistic);
- `dedup_labels_holdout.csv`: pairs of the real bank, labelled blind afterwards, never used to choose anything;
- `dedup_rewrites.csv` and `dedup_frames.csv`: paraphrases of real questions and look-alikes (same sentence frame,
  another subject; or the same subject, another aspect), written blind and inserted into a copy of the appendix in
  other chapters; the frames set's paraphrases share few words with their question.

Positives are the `duplicate` pairs (and paraphrases), negatives the `distinct` ones (hard negatives) and the
look-alikes; `related` pairs count in neither. A labelled pair that is not a candidate scores 0 and is not queued.
"Queued" means within the review queue: flagged, or among the `review_band` best unflagged pairs of the bank.
"""

import csv
from pathlib import Path

import numpy as np

from pipeline.errors import InputError

VERDICTS = ("duplicate", "related", "distinct")
REWRITE_KINDS = ("paraphrase", "lookalike")


def _read_csv(path: Path) -> list[tuple[int, dict]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(enumerate(csv.DictReader(handle), start=2))


def load_labels(path: Path, labels_to_text: dict[str, str]) -> list[dict]:
    """Return the labelled pairs, each with the question texts; InputError with the line for a bad row."""
    rows = []
    for line_no, row in _read_csv(path):
        if row.get("verdict") not in VERDICTS:
            raise InputError(f"verdict must be one of {', '.join(VERDICTS)}", str(path), line_no)
        for key in ("label_a", "label_b"):
            if row[key] not in labels_to_text:
                raise InputError(f"no question labelled {row[key]}", str(path), line_no)
        rows.append({**row, "line": line_no})
    return rows


def load_rewrites(path: Path, labels: set[str], sections: set[str]) -> list[dict]:
    """Return the rewrites (kind, of_label, insert_into, tag, text); InputError with the line for a bad row."""
    rows = []
    for line_no, row in _read_csv(path):
        if row.get("kind") not in REWRITE_KINDS:
            raise InputError(f"kind must be one of {', '.join(REWRITE_KINDS)}", str(path), line_no)
        if row["of_label"] not in labels:
            raise InputError(f"no question labelled {row['of_label']}", str(path), line_no)
        if row["insert_into"] not in sections:
            raise InputError(f"no section {row['insert_into']}", str(path), line_no)
        if not row["text"].strip():
            raise InputError("the rewrite's text is empty", str(path), line_no)
        rows.append({**row, "line": line_no})
    return rows


def with_rewrites(tables: dict, rewrites: list[dict]) -> dict:
    """Return a copy of the parsed appendix `tables` with each rewrite appended to its section (rendered, re-parsed)."""
    from pipeline.ingest.parse import parse_appendix
    from pipeline.ingest.render import render_appendix

    questions = list(tables["questions"])
    for rewrite in rewrites:
        last = max(i for i, q in enumerate(questions) if q["section_id"] == rewrite["insert_into"])
        questions.insert(last + 1, {**questions[last], "text": rewrite["text"], "tag": rewrite["tag"]})
    return parse_appendix(render_appendix({**tables, "questions": questions}, "clean"))


def bank_scores(questions: list[dict], settings, embeddings, extra_pairs=()) -> dict:
    """Return every candidate pair of the bank (and `extra_pairs`) scored, with its queue rank; keyed by label pair."""
    from pipeline.dedup.tables import queue_ranks
    from pipeline.similarity.score import score_pair_columns

    columns = score_pair_columns(
        [q["text"] for q in questions], settings, extra_pairs, embeddings, [q["section_id"] for q in questions]
    )
    threshold = settings.threshold_for(embeddings is not None)
    order = np.lexsort((columns["b"], columns["a"], -columns["score"]))
    plain = score_pair_columns([q["text"] for q in questions], settings, (), embeddings) if extra_pairs else columns
    candidates = set(zip(plain["a"].tolist(), plain["b"].tolist()))
    is_candidate = np.array(
        [(a, b) in candidates for a, b in zip(columns["a"][order].tolist(), columns["b"][order].tolist())], dtype=bool
    )
    # pairs that are only here because they were asked for take no place in the queue (as in the pipeline)
    ranks = np.full(len(order), np.nan)
    ranks[is_candidate] = queue_ranks(
        columns["score"][order][is_candidate] >= threshold, np.ones(is_candidate.sum(), bool), settings.review_band
    )
    labels = [q["label"] for q in questions]
    scored = {}
    for position, i in enumerate(order):
        a, b = int(columns["a"][i]), int(columns["b"][i])
        score = float(columns["score"][i]) if is_candidate[position] else 0.0
        scored[frozenset((labels[a], labels[b]))] = {
            "score": score,
            "queued": not np.isnan(ranks[position]),
            **{
                k: float(columns[k][i])
                for k in ("semantic_score", "lexical_score", "subject_agreement", "subject_conflict", "is_same_section")
            },
        }
    return {"pairs": scored, "threshold": threshold, "flagged": int(np.sum(columns["score"][order][is_candidate] >= threshold))}


def set_metrics(pairs: list[tuple[str, str, bool | None]], bank: dict) -> dict:
    """Return the figures of one labelled set: pairs are (label_a, label_b, is_repeat), is_repeat None for related."""
    threshold = bank["threshold"]

    def found(a, b):
        return bank["pairs"].get(frozenset((a, b)), {"score": 0.0, "queued": False})

    positives = [found(a, b) for a, b, repeat in pairs if repeat is True]
    negatives = [found(a, b) for a, b, repeat in pairs if repeat is False]
    true_positive = sum(p["score"] >= threshold for p in positives)
    false_positive = sum(p["score"] >= threshold for p in negatives)
    return {
        "positives": len(positives),
        "negatives": len(negatives),
        "flagged": true_positive,
        "queued": sum(p["queued"] for p in positives),
        "negatives_flagged": false_positive,
        "precision": round(true_positive / (true_positive + false_positive), 3) if true_positive + false_positive else 1.0,
        "recall": round(true_positive / len(positives), 3) if positives else 1.0,
        "queue_recall": round(sum(p["queued"] for p in positives) / len(positives), 3) if positives else 1.0,
        "missed": [f"{a}~{b}" for a, b, repeat in pairs if repeat is True and not found(a, b)["queued"]],
        "negatives_flagged_pairs": [
            f"{a}~{b}" for a, b, repeat in pairs if repeat is False and found(a, b)["score"] >= threshold
        ],
    }


def labelled_pairs(labelled: list[dict]) -> list[tuple[str, str, bool | None]]:
    """Return (label_a, label_b, is_repeat) of labelled pairs: True for duplicate, False for distinct, None for related."""
    meaning = {"duplicate": True, "distinct": False, "related": None}
    return [(row["label_a"], row["label_b"], meaning[row["verdict"]]) for row in labelled]


def rewrite_pairs(rewrites: list[dict], original: dict, rewritten: dict) -> list[tuple[str, str, bool]]:
    """Return (original label, rewrite's label, is_paraphrase) of each rewrite, labels of the rewritten bank.

    `original` maps the unchanged bank's labels to texts; `rewritten` the rewritten bank's texts to labels.
    """
    return [(rewritten[original[r["of_label"]]], rewritten[r["text"]], r["kind"] == "paraphrase") for r in rewrites]


def calibration(scores: list[float], repeats: list[bool], edges=(0.0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 1.01)) -> list[dict]:
    """Return, per score bin, how many labelled pairs fall in it and the share of them that are repeats."""
    rows = []
    for low, high in zip(edges, edges[1:]):
        inside = [r for s, r in zip(scores, repeats) if low <= s < high]
        rows.append(
            {
                "bin": f"{low:.1f}–{min(high, 1.0):.1f}",
                "pairs": len(inside),
                "repeats": sum(inside),
                "share": round(sum(inside) / len(inside), 2) if inside else None,
            }
        )
    return rows


FEATURES = ("semantic_score", "lexical_score", "subject_agreement", "subject_conflict", "is_same_section")

# What `choose` tries: the share of the lexical score in the blend, the names' agreement bonus, the threshold.
SHARES = (0.0, 0.1, 0.2, 0.3, 0.4)
AGREEMENTS = (0.0, 0.1)
THRESHOLDS = tuple(round(0.30 + 0.02 * i, 2) for i in range(21))  # 0.30 … 0.70
BANK_FLAG_LIMIT = 30  # pairs flagged in the real bank: a review an editor can finish, not a flood
FALSE_FLAG_COST = 2  # a look-alike flagged costs two repeats found: the issue asks 1 in 12 look-alikes, 10 in 12 paraphrases


def figures_at(pairs: dict, labelled: list[tuple[str, str, bool | None]], threshold: float, band: int) -> dict:
    """Return how many labelled positives are flagged and queued, and negatives flagged, at `threshold`. Pure.

    `pairs` maps each scored pair of a bank (frozenset of labels) to its `score` (0 for a pair that is no candidate);
    the queue is the pipeline's (`queue_ranks`): the flagged pairs and the `band` best unflagged ones."""
    from pipeline.dedup.tables import queue_ranks

    candidates = sorted((p["score"] for p in pairs.values() if p["score"] > 0), reverse=True)
    scores = np.array(candidates)
    ranks = queue_ranks(scores >= threshold, np.ones(len(scores), dtype=bool), band)
    cut = scores[~np.isnan(ranks)].min() if (~np.isnan(ranks)).any() else np.inf  # the lowest score in the queue

    def score(a, b):
        return pairs.get(frozenset((a, b)), {"score": 0.0})["score"]

    positives = [score(a, b) for a, b, repeat in labelled if repeat is True]
    negatives = [score(a, b) for a, b, repeat in labelled if repeat is False]
    return {
        "positives": len(positives),
        "flagged": sum(s >= threshold for s in positives),
        "queued": sum(s > 0 and s >= cut for s in positives),
        "negatives": len(negatives),
        "negatives_flagged": sum(s >= threshold for s in negatives),
        "bank_flagged": sum(p["score"] >= threshold for p in pairs.values()),
    }


def choose(rows: list[dict]) -> dict | None:
    """Return the row (share, agreement, threshold and the development figures) the rule picks, or None. Pure.

    The rule, on the development sets only: no labelled hard negative flagged and at most BANK_FLAG_LIMIT pairs
    flagged in the bank; then the most of (repeats flagged + paraphrases queued − FALSE_FLAG_COST × look-alikes
    flagged); ties go to more repeats flagged, then fewer pairs flagged in the bank, then the larger lexical share
    and threshold (the smaller change)."""
    allowed = [r for r in rows if r["negatives_flagged"] == 0 and r["bank_flagged"] <= BANK_FLAG_LIMIT]
    if not allowed:
        return None

    def key(r):
        gain = r["repeats_flagged"] + r["paraphrases_queued"] - FALSE_FLAG_COST * r["lookalikes_flagged"]
        return (gain, r["repeats_flagged"], -r["bank_flagged"], r["share"], r["threshold"])

    return max(allowed, key=key)


def sweep(labelled_bank, labelled, rewritten_bank, rewrite_pairs_, settings, embeddings) -> list[dict]:
    """Return the development figures (embeddings on) of every share, agreement and threshold `choose` tries.

    `labelled_bank` is (questions, extra pairs), `rewritten_bank` the rewritten questions; `embeddings` both banks'
    vectors. The lexical fallback (embeddings off) keeps its own threshold and agreement: #36 re-weights the blend."""
    from dataclasses import replace

    rows = []
    for share in SHARES:
        for agreement in AGREEMENTS:
            tried = replace(settings, lexical_share=share, agreement_weight=agreement)
            bank = bank_scores(labelled_bank[0], tried, embeddings[0], labelled_bank[1])["pairs"]
            moved = bank_scores(rewritten_bank, tried, embeddings[1])["pairs"]
            for threshold in THRESHOLDS:
                real = figures_at(bank, labelled, threshold, settings.review_band)
                rewritten = figures_at(moved, rewrite_pairs_, threshold, settings.review_band)
                rows.append(
                    {
                        "share": share,
                        "agreement": agreement,
                        "threshold": threshold,
                        "repeats_flagged": real["flagged"],
                        "negatives_flagged": real["negatives_flagged"],
                        "paraphrases_queued": rewritten["queued"],
                        "lookalikes_flagged": rewritten["negatives_flagged"],
                        "bank_flagged": real["bank_flagged"],
                    }
                )
    return rows


def learned_combination(train: list[dict], test: list[dict], seed: int = 0) -> dict:
    """Return cross-validated and held-out figures of a logistic regression over the component scores.

    `train` and `test` are rows with the FEATURES and `repeat` (bool). The model is fitted with 5-fold stratified
    cross-validation on `train` (out-of-fold probabilities), then on all of `train` and applied to `test`.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    def matrix(rows):
        return np.array([[0.0 if row[f] != row[f] else row[f] for f in FEATURES] for row in rows], dtype=np.float64)

    x, y = matrix(train), np.array([row["repeat"] for row in train], dtype=bool)
    folds = min(5, int(y.sum()), int((~y).sum()))
    if folds < 2:
        return {"fitted": False, "why": f"too few labels ({int(y.sum())} repeats, {int((~y).sum())} non-repeats)"}
    model = LogisticRegression(C=1.0, max_iter=1000)
    out_of_fold = cross_val_predict(
        model, x, y, cv=StratifiedKFold(folds, shuffle=True, random_state=seed), method="predict_proba"
    )[:, 1]
    model.fit(x, y)
    held = model.predict_proba(matrix(test))[:, 1] if test else np.array([])
    y_test = np.array([row["repeat"] for row in test], dtype=bool)

    def figures(p, truth):
        flagged = p >= 0.5
        tp = int((flagged & truth).sum())
        return {
            "precision": round(tp / flagged.sum(), 3) if flagged.sum() else 1.0,
            "recall": round(tp / truth.sum(), 3) if truth.sum() else 1.0,
            "flagged": int(flagged.sum()),
            "negatives_flagged": int((flagged & ~truth).sum()),
        }

    return {
        "fitted": True,
        "folds": folds,
        "coefficients": dict(zip(FEATURES, np.round(model.coef_[0], 2).tolist())),
        "cross_validated": figures(out_of_fold, y),
        "held_out": figures(held, y_test),
        "calibration": calibration(out_of_fold.tolist(), y.tolist()),
    }


def format_set(name: str, metrics: dict, kind: str = "labelled") -> str:
    """Return one line of figures for a labelled set."""
    if kind == "rewrites":
        return (
            f"  {name}: paraphrases flagged {metrics['flagged']}/{metrics['positives']}, in the queue {metrics['queued']}/{metrics['positives']}; "
            f"look-alikes flagged {metrics['negatives_flagged']}/{metrics['negatives']}"
            + (f"  [missed: {', '.join(metrics['missed'])}]" if metrics["missed"] else "")
            + (
                f"  [look-alikes flagged: {', '.join(metrics['negatives_flagged_pairs'])}]"
                if metrics["negatives_flagged_pairs"]
                else ""
            )
        )
    return (
        f"  {name}: precision {metrics['precision']:.3f}, recall {metrics['recall']:.3f} ({metrics['flagged']}/{metrics['positives']}), "
        f"queue recall {metrics['queue_recall']:.3f} ({metrics['queued']}/{metrics['positives']}), "
        f"hard negatives flagged {metrics['negatives_flagged']}/{metrics['negatives']}"
        + (f"  [not queued: {', '.join(metrics['missed'])}]" if metrics["missed"] else "")
        + (
            f"  [hard negatives flagged: {', '.join(metrics['negatives_flagged_pairs'])}]"
            if metrics["negatives_flagged_pairs"]
            else ""
        )
    )


def add_arguments(parser) -> None:
    from pipeline import paths

    parser.add_argument(
        "--labels",
        type=Path,
        nargs="+",
        default=[paths.DEDUP_LABELS, paths.DEDUP_HOLDOUT],
        help="labelled pairs (CSV), one report each; the first is the development set (default: then the held-out set)",
    )
    parser.add_argument("--source", type=Path, default=paths.SOURCE, help="the appendix the labels refer to")
    parser.add_argument(
        "--rewrites",
        type=Path,
        nargs="+",
        default=[paths.DEDUP_REWRITES_DEV, paths.DEDUP_REWRITES, paths.DEDUP_FRAMES],
        help="paraphrases and look-alikes to insert (CSV), one report each; the first is the development set",
    )
    parser.add_argument(
        "--choose",
        action="store_true",
        help="also run the rule that chose the weights and thresholds on the development sets, and say whether the shipped ones are its choice",
    )


def display(path: Path) -> str:
    """Return `path` relative to the project, as the reports name it."""
    from pipeline import paths

    try:
        return str(path.resolve().relative_to(paths.ROOT))
    except ValueError:
        return str(path)


def _rewritten_sets(tables: dict, paths_: list[Path], by_label: dict) -> list[tuple[str, list, list]]:
    """Return each rewrites file as (its name, the rewritten bank's questions, the labelled pairs)."""
    sections = {s["section_id"] for s in tables["sections"]}
    out = []
    for path in paths_:
        rows = load_rewrites(path, set(by_label), sections)
        rewritten = with_rewrites(tables, rows)["questions"]
        out.append((display(path), rewritten, rewrite_pairs(rows, by_label, {q["text"]: q["label"] for q in rewritten})))
    return out


def _report_choice(say, chosen: dict | None, shipped) -> None:
    if chosen is None:
        say("  no setting meets the rule's bounds")
        return
    agrees = (chosen["threshold"], chosen["agreement"], chosen["share"]) == (
        shipped.threshold,
        shipped.agreement_weight,
        shipped.lexical_share,
    )
    say(
        f"  embeddings on: lexical share {chosen['share']}, agreement {chosen['agreement']}, threshold {chosen['threshold']}: "
        f"repeats flagged {chosen['repeats_flagged']}, paraphrases queued {chosen['paraphrases_queued']}, look-alikes "
        f"flagged {chosen['lookalikes_flagged']}, hard negatives flagged {chosen['negatives_flagged']}, "
        f"{chosen['bank_flagged']} pairs flagged in the bank; "
        + ("the shipped settings" if agrees else "NOT the shipped settings (pipeline/similarity/settings.py)")
    )


def main(args, context: dict) -> int:
    from pipeline import io, limits
    from pipeline.ingest.parse import parse_appendix
    from pipeline.similarity import learn
    from pipeline.similarity.embed import MODEL_NAME, embeddings_for
    from pipeline.similarity.settings import DEFAULT, PREVIOUS
    from pipeline.terminal import say

    tables = parse_appendix(io.read_text(args.source, limits.APPENDIX_MAX_BYTES, "the appendix"))
    questions = tables["questions"]
    by_label = {q["label"]: q["text"] for q in questions}
    label_sets = [(display(path), load_labels(path, by_label)) for path in args.labels]
    rewrite_sets = _rewritten_sets(tables, args.rewrites, by_label)
    index = {q["label"]: i for i, q in enumerate(questions)}
    extra = {tuple(sorted((index[r["label_a"]], index[r["label_b"]]))) for _, rows in label_sets for r in rows}
    versions = (("before", PREVIOUS), ("now", DEFAULT))
    say(
        f"before: the scorer before #36 (frames {PREVIOUS.frames}, lexical share {PREVIOUS.lexical_share}, agreement "
        f"{PREVIOUS.agreement_weight}); now: the shipped one (frames {DEFAULT.frames}, lexical share {DEFAULT.lexical_share}, "
        f"agreement {DEFAULT.agreement_weight}). The first labelled and the first rewrites set are the development sets the "
        "weights were chosen on; the others confirm."
    )
    learned_on, vectors_on = [], {}
    for mode in ("on", "off"):

        def encode(texts, mode=mode):
            return embeddings_for(texts, mode, DEFAULT.embed_max_questions)

        vectors = encode([q["text"] for q in questions])
        moved_vectors = [encode([q["text"] for q in rewritten]) for _, rewritten, _ in rewrite_sets]
        if mode == "on":
            vectors_on = {"bank": vectors, "rewritten": moved_vectors}
        title = f"embeddings {mode} ({MODEL_NAME})" if mode == "on" else "embeddings off (lexical and subject signals only)"
        banks = {name: bank_scores(questions, settings, vectors, extra) for name, settings in versions}
        say(
            f"{title}: "
            + "; ".join(
                f"{name} threshold {banks[name]['threshold']}, {banks[name]['flagged']} pairs flagged in the bank"
                for name, _ in versions
            )
        )
        for set_name, rows in label_sets:
            for name, _ in versions:
                say(format_set(f"{set_name} [{name}]", set_metrics(labelled_pairs(rows), banks[name])))
        moved = {}
        for (set_name, rewritten, pairs), rewritten_vectors in zip(rewrite_sets, moved_vectors):
            for name, settings in versions:
                moved[set_name, name] = bank_scores(rewritten, settings, rewritten_vectors)
                say(
                    format_set(
                        f"{set_name} [{name}] ({moved[set_name, name]['flagged']} flagged in the rewritten bank)",
                        set_metrics(pairs, moved[set_name, name]),
                        "rewrites",
                    )
                )
        if mode == "on":
            bank = banks["now"]
            learned_on = [
                (
                    name,
                    [
                        {**bank["pairs"][frozenset((a, b))], "repeat": repeat}
                        for a, b, repeat in labelled_pairs(rows)
                        if repeat is not None
                    ],
                )
                for name, rows in label_sets
            ]
            every = [row for _, rows in learned_on for row in rows]
            for set_name, _, pairs in rewrite_sets:
                every += [
                    {**moved[set_name, "now"]["pairs"].get(frozenset((a, b)), {"score": 0.0}), "repeat": repeat}
                    for a, b, repeat in pairs
                ]
            say("  calibration of the score on every labelled pair (every set): bin, pairs, share that are repeats")
            for row in calibration([r["score"] for r in every], [r["repeat"] for r in every]):
                say(
                    f"    {row['bin']}: {row['pairs']:>3} pairs, {row['repeats']:>3} repeats"
                    + (f" ({row['share']:.0%})" if row["share"] is not None else "")
                )
        say()
    if learned_on:
        (train_name, train), *rest = learned_on
        test = [row for _, rows in rest for row in rows]
        result = learned_combination(train, test)
        say(f"learned combination (logistic regression over {', '.join(FEATURES)}), fitted on {train_name}:")
        if not result["fitted"]:
            say(f"  not fitted: {result['why']}")
        else:
            say(f"  coefficients {result['coefficients']}")
            cv, held = result["cross_validated"], result["held_out"]
            say(
                f"  {result['folds']}-fold cross-validated: precision {cv['precision']:.3f}, recall {cv['recall']:.3f}, {cv['negatives_flagged']} non-repeats flagged"
            )
            say(
                f"  on the held-out labels: precision {held['precision']:.3f}, recall {held['recall']:.3f}, {held['negatives_flagged']} non-repeats flagged"
            )
            say(
                "  out-of-fold calibration: "
                + "; ".join(f"{r['bin']}: {r['repeats']}/{r['pairs']}" for r in result["calibration"] if r["pairs"])
            )
            say(
                f"  the pipeline keeps the fixed weights until raw/duplicate_decisions.csv holds {learn.MIN_PER_CLASS} repeats and {learn.MIN_PER_CLASS} non-repeats (docs/dedup.md)"
            )
    if args.choose:
        (dev_name, dev_rows), (rewrites_name, rewritten, pairs) = label_sets[0], rewrite_sets[0]
        dev_extra = {tuple(sorted((index[r["label_a"]], index[r["label_b"]]))) for r in dev_rows}
        say()
        say(f"the rule that chose the weights, on {dev_name} and {rewrites_name} only (docs/dedup.md):")
        on = sweep(
            (questions, dev_extra),
            labelled_pairs(dev_rows),
            rewritten,
            pairs,
            DEFAULT,
            (vectors_on["bank"], vectors_on["rewritten"][0]),
        )
        _report_choice(say, choose(on), DEFAULT)
    return 0
