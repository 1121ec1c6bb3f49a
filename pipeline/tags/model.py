"""Which questions carry a tag their wording contradicts. Pure: texts, tags (and embeddings) in, probabilities out.

Out-of-fold probabilities: each question's tag probabilities come from a model that never saw it (stratified
5-fold cross-validation, fixed seed). Above `TRAIN_MAX` questions a fold's model learns from a stratified sample of
the other folds, and predicts its own fold in batches, so a bank of a million questions costs minutes, not hours.
The model is a logistic regression over word 1–2-gram and character 2–5-gram TF-IDF, plus the sentence embeddings
when given. cleanlab's confident learning then finds the label issues:
questions whose given tag is unlikely under the model, beyond what the per-tag confusion explains.
"""

import numpy as np

FOLDS = 5
MIN_PER_TAG = 2  # a tag with fewer questions cannot be predicted out of fold
SEED = 0
C = 10.0  # inverse regularisation of the logistic regression (a common default for TF-IDF text features)
TRAIN_MAX = 20_000  # each fold's model learns from at most this many questions (a stratified sample above it)
PREDICT_BATCH = 50_000  # questions featurised at once when predicting a fold


def _fit(texts: list[str], y: np.ndarray, vectors=None):
    """Return (model, word vectoriser, character vectoriser) fitted on one fold's training questions."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    words = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1, lowercase=True)
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2, lowercase=True)
    x = _stack([words.fit_transform(texts), chars.fit_transform(texts)], vectors)
    model = LogisticRegression(C=C, max_iter=5000, class_weight="balanced")
    return model.fit(x, y), words, chars


def _transform(words, chars, texts: list[str], vectors=None):
    return _stack([words.transform(texts), chars.transform(texts)], vectors)


def _stack(parts: list, vectors=None):
    from scipy.sparse import csr_matrix, hstack

    return hstack(parts + ([csr_matrix(vectors)] if vectors is not None else [])).tocsr()


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
    from sklearn.model_selection import StratifiedKFold

    classes = sorted(set(tags))
    y = np.array([classes.index(t) for t in tags])
    folds = min(FOLDS, int(np.bincount(y).min()))
    if len(classes) < 2 or folds < 2:
        raise ValueError("the tag audit needs at least two tags with two questions each")
    probabilities = np.zeros((len(texts), len(classes)))
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train, test in splitter.split(np.zeros(len(y)), y):
        train = _sample(train, y, TRAIN_MAX, seed)
        model, words, chars = _fit([texts[i] for i in train], y[train], None if embeddings is None else embeddings[train])
        for start in range(0, len(test), PREDICT_BATCH):
            part = test[start : start + PREDICT_BATCH]
            x_test = _transform(words, chars, [texts[i] for i in part], None if embeddings is None else embeddings[part])
            probabilities[np.ix_(part, model.classes_)] = model.predict_proba(x_test)
    return classes, probabilities


def label_issues(tags: list[str], classes: list[str], probabilities: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (is_suspect, quality): cleanlab's label issues, and each question's label quality (its tag's probability)."""
    from cleanlab.filter import find_label_issues
    from cleanlab.rank import get_label_quality_scores

    y = np.array([classes.index(t) for t in tags])
    suspect = find_label_issues(y, probabilities, filter_by="prune_by_noise_rate")
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
