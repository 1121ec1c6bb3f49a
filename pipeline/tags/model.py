"""Which questions carry a tag their wording contradicts. Pure: texts, tags (and embeddings) in, probabilities out.

Out-of-fold probabilities: each question's tag probabilities come from a model that never saw it (stratified
5-fold cross-validation, fixed seed). Above `TRAIN_MAX` questions a fold's model learns from a stratified sample of
the other folds, and predicts its own fold in batches, so a bank of a million questions costs minutes, not hours.
The model is a logistic regression over word 1–2-gram and character 2–5-gram TF-IDF, plus the sentence embeddings
when given. cleanlab's confident learning then finds the label issues:
questions whose given tag is unlikely under the model, beyond what the per-tag confusion explains.

Cost (issue #26), with the same probabilities as scikit-learn's vectorisers and LogisticRegression (a test holds
them equal): the texts are tokenised and counted once, not once per fold, and each fold's TF-IDF is made from those
counts with the vocabulary and IDF of its own training rows; the regression is scikit-learn's objective and L-BFGS-B
settings, with the embeddings multiplied as a dense block rather than as 384 sparse columns; the folds' fits run side
by side in threads. docs/tags.md has the figures, and why a warm start between folds was left out (it moved the
suspects' ranks).
"""

import numpy as np

FOLDS = 5
MIN_PER_TAG = 2  # a tag with fewer questions cannot be predicted out of fold
SEED = 0
C = 10.0  # inverse regularisation of the logistic regression (a common default for TF-IDF text features)
TRAIN_MAX = 20_000  # each fold's model learns from at most this many questions (a stratified sample above it)
PREDICT_BATCH = 50_000  # questions featurised at once when predicting a fold
WORD_MIN_DF, CHAR_MIN_DF = 1, 2  # a fold's vocabulary: terms in at least this many of its training questions


def _counters():
    """Return the (word 1–2-gram, character 2–5-gram) counters; their TF-IDF is made per fold by `tfidf`."""
    from sklearn.feature_extraction.text import CountVectorizer

    return CountVectorizer(ngram_range=(1, 2), lowercase=True), CountVectorizer(
        analyzer="char_wb", ngram_range=(2, 5), lowercase=True
    )


def idf_weights(counts, rows: np.ndarray, min_df: int) -> np.ndarray:
    """Return each column's IDF over `rows` of the count matrix (scikit-learn's smooth IDF), 0 for a column in
    fewer than `min_df` of those rows: outside that fold's vocabulary."""
    part = counts[rows]
    df = np.bincount(part.indices, minlength=counts.shape[1])
    n = len(rows)
    return np.where(df >= max(min_df, 1), np.log((1 + n) / (1 + df)) + 1, 0.0)


def tfidf(counts, weights: np.ndarray):
    """Return sublinear TF × `weights`, each row scaled to unit length: TfidfVectorizer(sublinear_tf=True)'s
    features for a vocabulary and IDF given as `weights` (0 drops a term)."""
    from sklearn.preprocessing import normalize

    x = counts.astype(np.float64)
    x.data = (np.log(x.data) + 1) * weights[x.indices]
    x.eliminate_zeros()
    return normalize(x, norm="l2", copy=False)


def _raw(coef: np.ndarray, sparse, dense) -> np.ndarray:
    """Return each row's class scores: sparse features @ their coefficients + embeddings @ theirs + the intercepts."""
    width = sparse.shape[1]
    raw = np.asarray(sparse @ coef[:, :width].T)
    if dense is not None:
        raw += dense @ coef[:, width:-1].T
    return raw + coef[:, -1]


def _pointwise(raw: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return each row's loss and its derivative by the scores: scikit-learn's half binomial loss when there is one
    score column (two classes: target 0 or 1), its multinomial loss otherwise (target one-hot)."""
    if raw.shape[1] == 1:
        from scipy.special import expit

        z = raw[:, 0]
        return np.logaddexp(0, z) - target * z, (expit(z) - target)[:, None]
    top = raw.max(axis=1, keepdims=True)
    log_norm = np.log(np.exp(raw - top).sum(axis=1)) + top[:, 0]
    return log_norm - (raw * target).sum(axis=1), np.exp(raw - log_norm[:, None]) - target


def _loss_gradient(w: np.ndarray, sparse, dense, target: np.ndarray, weight: np.ndarray, l2: float, rows: int):
    """Return (loss, gradient) of scikit-learn's logistic regression: the weighted mean log loss plus
    l2/2 · ‖coefficients‖² (intercepts not penalised); w is (rows × features+1) flattened column by column."""
    coef = w.reshape((rows, -1), order="F")
    total = weight.sum()
    loss, pointwise = _pointwise(_raw(coef, sparse, dense), target)
    pointwise *= (weight / total)[:, None]
    grad = np.empty_like(coef, order="F")
    width = sparse.shape[1]
    grad[:, :width] = (sparse.T @ pointwise).T
    if dense is not None:
        grad[:, width:-1] = pointwise.T @ dense
    grad[:, :-1] += l2 * coef[:, :-1]
    grad[:, -1] = pointwise.sum(axis=0)
    return float(weight @ loss) / total + 0.5 * l2 * float((coef[:, :-1] ** 2).sum()), grad.ravel(order="F")


def fit_softmax(sparse, dense, y: np.ndarray, classes: int, c: float = C, tol: float = 1e-4) -> np.ndarray:
    """Return the coefficients, intercepts last, of LogisticRegression(C=c, class_weight="balanced", solver="lbfgs")
    fitted on [sparse | dense]: one row for two classes (scikit-learn fits a binomial model then), one row per class
    otherwise; the same objective, start and L-BFGS-B settings, with the dense embeddings multiplied as a dense block
    (they are most of the nonzeros: a sparse matrix made them 60% of the fit's time at 20,000 questions)."""
    from scipy.optimize import minimize

    counts = np.bincount(y, minlength=classes)
    weight = (len(y) / (classes * counts))[y]  # class_weight="balanced"
    rows = 1 if classes == 2 else classes
    target = y.astype(np.float64) if rows == 1 else np.eye(classes)[y]
    width = sparse.shape[1] + (0 if dense is None else dense.shape[1]) + 1
    found = minimize(
        _loss_gradient,
        np.zeros(rows * width),
        method="L-BFGS-B",
        jac=True,
        args=(sparse, dense, target, weight, 1.0 / (c * weight.sum()), rows),
        options={"maxiter": 5000, "maxls": 50, "gtol": tol, "ftol": 64 * np.finfo(float).eps},
    )
    return found.x.reshape((rows, width), order="F")


def predict_softmax(coef: np.ndarray, sparse, dense) -> np.ndarray:
    """Return the class probabilities of rows under `fit_softmax`'s coefficients."""
    raw = _raw(coef, sparse, dense)
    if len(coef) == 1:
        from scipy.special import expit

        positive = expit(raw[:, 0])
        return np.column_stack([1 - positive, positive])
    shifted = np.exp(raw - raw.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def workers() -> int:
    """Return how many folds are fitted at once: one per core this process may use. They run in threads: the sparse
    products, NumPy and L-BFGS-B's own work mostly release the GIL (docs/tags.md has the figures)."""
    import os

    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


def _sample(train: np.ndarray, y: np.ndarray, most: int, seed: int) -> np.ndarray:
    """Return `train` itself, or above `most` a stratified sample of `most` of it (every tag keeps its share, at least 2)."""
    if len(train) <= most:
        return train
    rng = np.random.default_rng(seed)
    labels = y[train]
    kept = []
    for label in np.unique(labels):
        members = train[labels == label]
        share = max(2, round(most * len(members) / len(train)))
        kept.append(rng.choice(members, size=min(share, len(members)), replace=False))
    return np.sort(np.concatenate(kept))


def out_of_fold_probabilities(
    texts: list[str], tags: list[str], embeddings=None, seed: int = SEED
) -> tuple[list[str], np.ndarray]:
    """Return (classes, probabilities): one row per question, one column per tag present, from folds that left it out."""
    from concurrent.futures import ThreadPoolExecutor

    from scipy.sparse import hstack
    from sklearn.model_selection import StratifiedKFold

    classes = sorted(set(tags))
    y = np.array([classes.index(t) for t in tags])
    folds = min(FOLDS, int(np.bincount(y).min()))
    if len(classes) < 2 or folds < 2:
        raise ValueError("the tag audit needs at least two tags with two questions each")
    splits = [
        (_sample(train, y, TRAIN_MAX, seed), test)
        for train, test in StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed).split(np.zeros(len(y)), y)
    ]
    # Counted once: every question some fold learns from (all of them up to TRAIN_MAX · folds / (folds − 1)).
    learned = np.unique(np.concatenate([train for train, _ in splits]))
    row = np.full(len(texts), -1)
    row[learned] = np.arange(len(learned))
    counters = _counters()
    counts = [c.fit_transform([texts[i] for i in learned]).tocsr() for c in counters]

    def counted(rows: np.ndarray) -> list:
        if (row[rows] >= 0).all():
            return [c[row[rows]] for c in counts]
        return [c.transform([texts[i] for i in rows]).tocsr() for c in counters]

    widths = [c.shape[1] for c in counts]

    def embedded(rows: np.ndarray):
        return None if embeddings is None else np.asarray(embeddings[rows], dtype=np.float64)

    def fit(train: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
        """Return one fold's (IDF weights, coefficients): fitted on its vocabulary's columns only (L-BFGS-B's cost
        grows with the coefficients), then spread over every counted column (0 outside the vocabulary)."""
        weights = [idf_weights(c, row[train], min_df) for c, min_df in zip(counts, (WORD_MIN_DF, CHAR_MIN_DF))]
        kept = [np.flatnonzero(w) for w in weights]
        sparse = hstack([tfidf(c, w)[:, k] for c, w, k in zip(counted(train), weights, kept)]).tocsr()
        coef = fit_softmax(sparse, embedded(train), y[train], len(classes))
        columns = np.concatenate([k + offset for k, offset in zip(kept, np.cumsum([0] + widths[:-1]))])
        spread = np.zeros((len(coef), sum(widths) + coef.shape[1] - len(columns)))  # then the embeddings, the intercept
        spread[:, columns] = coef[:, : len(columns)]
        spread[:, sum(widths) :] = coef[:, len(columns) :]
        return weights, spread

    # The fits are numeric (sparse products, NumPy, L-BFGS-B: they mostly release the GIL) and run side by side; the
    # predictions may tokenise (folds that learn from a sample) and run one after another.
    with ThreadPoolExecutor(min(len(splits), workers())) as pool:
        fitted = list(pool.map(fit, [train for train, _ in splits]))
    probabilities = np.zeros((len(texts), len(classes)))
    for (_, test), (weights, coef) in zip(splits, fitted):
        for start in range(0, len(test), PREDICT_BATCH):
            part = test[start : start + PREDICT_BATCH]
            sparse = hstack([tfidf(c, w) for c, w in zip(counted(part), weights)]).tocsr()
            probabilities[part] = predict_softmax(coef, sparse, embedded(part))
    return classes, probabilities


def label_issues(tags: list[str], classes: list[str], probabilities: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (is_suspect, quality): cleanlab's label issues, and each question's label quality (its tag's probability)."""
    from cleanlab.filter import find_label_issues
    from cleanlab.rank import get_label_quality_scores

    y = np.array([classes.index(t) for t in tags])
    # one process: the same issues (n_jobs changes only how they are counted), and no pool forked from a build whose
    # stages may run in processes of their own (pipeline/flow/runner.py)
    suspect = find_label_issues(y, probabilities, filter_by="prune_by_noise_rate", n_jobs=1)
    return suspect, get_label_quality_scores(y, probabilities, method="self_confidence")


def suspect_rows(
    questions: list[dict], classes: list[str], probabilities: np.ndarray, is_suspect: np.ndarray, quality: np.ndarray
) -> list[dict]:
    """Return one row per question (in the bank's order): its tag, the suggested tag, both probabilities, its suspect rank."""
    order = [i for i in np.argsort(quality, kind="stable") if is_suspect[i]]
    rank = {int(i): r for r, i in enumerate(order, start=1)}
    rows = []
    for i, question in enumerate(questions):
        best = int(np.argmax(probabilities[i]))
        rows.append(
            {
                "question_id": question["question_id"],
                "label": question["label"],
                "source_line": question.get("source_line"),
                "tag": question["tag"],
                "suggested_tag": classes[best],
                "tag_probability": round(float(quality[i]), 4),
                "suggested_probability": round(float(probabilities[i, best]), 4),
                "is_suspect": bool(is_suspect[i]),
                "suspect_rank": rank.get(i),
            }
        )
    return rows


def flipped(tags: list[str], classes: list[str], count: int, seed: int) -> tuple[list[str], list[int]]:
    """Return a copy of `tags` with `count` of them (chosen at random) changed to another tag at random, and which."""
    import random

    rng = random.Random(seed)
    chosen = sorted(rng.sample(range(len(tags)), count))
    out = list(tags)
    for i in chosen:
        out[i] = rng.choice([c for c in classes if c != tags[i]])
    return out, chosen


def found_in_top(quality: np.ndarray, chosen: list[int], tops=(15, 30, 45)) -> dict[int, int]:
    """Return, for each k, how many of the `chosen` questions rank among the k least likely to carry their tag."""
    order = list(np.argsort(quality, kind="stable"))
    return {k: len(set(order[:k]) & set(chosen)) for k in tops}
