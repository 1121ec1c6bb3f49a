"""Learn the score's combination from the editors' verdicts, once there are enough of them. Pure.

Until then the fixed weights of `score.Settings` hold (chosen on the development labels). With at least
`MIN_PER_CLASS` repeats and as many non-repeats decided, a logistic regression over the component scores
replaces them, and the combined score becomes its probability that a pair is a repeat (threshold 0.5).
`make eval-dedup` reports the same model, cross-validated, on the labelled sets.
"""

import numpy as np

FEATURES = ("semantic_score", "lexical_score", "subject_agreement", "subject_conflict", "is_same_section")
MIN_PER_CLASS = 30
THRESHOLD = 0.5


def feature_matrix(columns: dict, index=None) -> np.ndarray:
    """Return the FEATURES of the scored pairs (rows `index`, or all) as a matrix; a missing semantic score counts 0."""
    matrix = np.column_stack([np.nan_to_num(np.asarray(columns[name], dtype=np.float64)) for name in FEATURES])
    return matrix if index is None else matrix[index]


def fit(features: np.ndarray, is_repeat: np.ndarray):
    """Return a fitted logistic regression, or None while either class has fewer than MIN_PER_CLASS labels."""
    is_repeat = np.asarray(is_repeat, dtype=bool)
    if is_repeat.sum() < MIN_PER_CLASS or (~is_repeat).sum() < MIN_PER_CLASS:
        return None
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=1.0, max_iter=1000).fit(features, is_repeat)


def probabilities(model, features: np.ndarray) -> np.ndarray:
    """Return the model's probability that each pair is a repeat, rounded like the other scores."""
    return np.round(model.predict_proba(features)[:, 1], 4)
