"""The duplicate score (Splink's "prediction"): the signals of each candidate pair combined into one. Pure: texts (and
their embeddings) in, scored pairs out. Used by dedup (the bank against itself) and overlap (external banks against it).

The combined `score` separates subject from frame:
    base  = (1 − lexical_share) · semantic + lexical_share · lexical
    lexical = word · w_word + char · w_char + fuzz · w_fuzz + rare · w_rare
    score = (base + agreement_weight · agreement) · (1 − conflict_penalty · conflict) · (1 − section_penalty · is_same_section)
The word, character and token-set signals read each question without its frame (`frames.py`), so a look-alike in a
frame of the bank ("what is the difference between …") gains nothing from those words; one that swaps a named
subject loses up to half its score, however alike its words.
Without embeddings (`embeddings=None`: switched off, or a bank above `Settings.embed_max_questions`) `base` is the
lexical score, and the lexical threshold and agreement weight apply. The blend's weights and threshold
(`settings.py`) were chosen on the development sets only by a stated rule (`python -m pipeline eval-dedup --choose`); `make
eval-dedup` reports every set before and after.
"""

import numpy as np

from pipeline.progress import progress
from pipeline.similarity.candidates import candidate_pairs, query_candidates
from pipeline.similarity.settings import DEFAULT, Settings, Weights  # noqa: F401 (the scorer's settings, read from here too)
from pipeline.similarity.signals import Space, project, shared_terms, signal_columns, vectorise  # noqa: F401

SCORE_COLUMNS = (
    "word_score",
    "char_score",
    "fuzz_score",
    "rare_score",
    "lexical_score",
    "semantic_score",
    "subject_agreement",
    "subject_conflict",
    "is_same_section",
    "score",
)


def score_columns(
    space: Space, a: np.ndarray, b: np.ndarray, settings: Settings | None = None, right: Space | None = None
) -> dict[str, np.ndarray]:
    """Return the component scores, lexical score, semantic score (or NaN) and combined score of pairs (a[i], b[i]).

    `a` indexes `space`; `b` indexes `right` (default: `space`), a space made by `project(space, …)`.
    """
    settings = settings or DEFAULT
    right = space if right is None else right
    w = settings.weights
    a, b = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
    has_embeddings = space.embeddings is not None and right.embeddings is not None
    columns = {name: [] for name in SCORE_COLUMNS}
    starts = range(0, len(a), settings.batch_pairs)
    for start in progress(starts, len(starts), "scoring pairs"):
        pa, pb = a[start : start + settings.batch_pairs], b[start : start + settings.batch_pairs]
        signal = signal_columns(space, right, pa, pb)
        lexical = (
            w.word * signal["word_score"]
            + w.char * signal["char_score"]
            + w.fuzz * signal["fuzz_score"]
            + w.rare * signal["rare_score"]
        )
        semantic = signal["semantic_score"]
        if has_embeddings:
            base = (1 - settings.lexical_share) * semantic + settings.lexical_share * lexical
        else:
            base = lexical
        combined = (
            (base + settings.agreement_for(has_embeddings) * signal["subject_agreement"])
            * (1 - settings.conflict_penalty * signal["subject_conflict"])
            * (1 - settings.section_penalty * signal["is_same_section"])
        )
        for name, values in {**signal, "lexical_score": lexical, "score": combined}.items():
            columns[name].append(np.round(np.asarray(values, dtype=np.float64), 4))
    return {name: (np.concatenate(parts) if parts else np.array([], dtype=np.float64)) for name, parts in columns.items()}


def score_pair_columns(
    texts: list[str],
    settings: Settings | None = None,
    extra_pairs=(),
    embeddings=None,
    sections=None,
    lexical: Space | None = None,
) -> dict[str, np.ndarray]:
    """Return every candidate pair (and every pair in `extra_pairs`) with its scores, as columns `a`, `b`, … .

    `sections` (one per text, optional) tells which pairs stand in one section; `lexical`, the bank's space if the
    caller has it (overlap's, in the same process), saves building it again."""
    settings = settings or DEFAULT
    if len(texts) < 2:
        return {
            "a": np.array([], dtype=np.int64),
            "b": np.array([], dtype=np.int64),
            **{name: np.array([], dtype=np.float64) for name in SCORE_COLUMNS},
        }
    space = vectorise(texts, embeddings, settings, sections, lexical)
    a, b = candidate_pairs(space, settings)
    if extra_pairs:
        extra = np.array(sorted(extra_pairs), dtype=np.int64).reshape(-1, 2)
        both = np.unique(np.concatenate([np.stack([a, b], axis=1), extra]), axis=0)
        a, b = both[:, 0], both[:, 1]
    return {"a": a, "b": b, **score_columns(space, a, b, settings)}


def score_pairs(texts: list[str], settings: Settings | None = None, extra_pairs=(), embeddings=None, sections=None) -> list[dict]:
    """Return one row per candidate pair (indices `a` < `b` into `texts`): component scores and `score`.

    `extra_pairs` (index pairs, a < b) are scored too, candidates or not: the pairs editors decided.
    With `embeddings` (unit rows, one per text), their nearest neighbours are candidates too and
    `score` blends their cosine (`semantic_score`) with the lexical score (see the module's docstring).
    """
    columns = score_pair_columns(texts, settings, extra_pairs, embeddings, sections)
    names = list(columns)
    rows = []
    for values in zip(*(columns[name].tolist() for name in names)):
        row = dict(zip(names, values))
        if row["semantic_score"] != row["semantic_score"]:  # NaN: no embeddings
            row["semantic_score"] = None
        rows.append(row)
    return rows


def best_matches(
    corpus: list[str], queries: list[str], settings: Settings | None = None, embeddings=None, lexical: Space | None = None
) -> list[dict]:
    """Return, for each query text, its best-scoring corpus text (`corpus_index`) and the scores.

    The queries are projected into the corpus's space (its IDF, rarity and names: `project`), so matching costs in
    proportion to the queries; `lexical`, the corpus's space built once by the caller, serves every bank.
    Candidates are each query's top-k corpus neighbours; no queries × corpus matrix is kept.
    `embeddings`, if given, is (the corpus's unit rows, the queries' unit rows).
    """
    settings = settings or DEFAULT
    if not corpus or not queries:
        return [{"corpus_index": None, "score": 0.0} for _ in queries]
    corpus_vectors, query_vectors = embeddings if embeddings is not None else (None, None)
    space = vectorise(corpus, corpus_vectors, settings, lexical=lexical)
    asked = project(space, queries, query_vectors)
    q, c = query_candidates(space, asked, settings)
    scored = score_columns(space, c, q, settings, right=asked)
    results = [{"corpus_index": None, "score": 0.0, "lexical_score": 0.0, "semantic_score": None} for _ in queries]
    order = np.lexsort((c, -scored["score"], q))  # per query: best score first, then the earlier corpus text
    taken = set()
    for i in order:
        if q[i] in taken:
            continue
        taken.add(q[i])
        semantic = scored["semantic_score"][i]
        results[q[i]] = {
            "corpus_index": int(c[i]),
            **{k: float(v[i]) for k, v in scored.items() if k != "semantic_score"},
            "semantic_score": None if semantic != semantic else float(semantic),
        }
    return results


def score_steps(row: dict, settings: Settings | None = None) -> list[tuple[str, float]]:
    """Return a pair's score as steps that add up to it (a waterfall): each lexical signal and the meaning at their
    weights, the subject names' agreement, then what the conflict and the same-section penalties take away; a learned
    score (enough editors' verdicts) shows what the learning moved as a last step. Pure."""
    settings = settings or DEFAULT
    w = settings.weights
    semantic = row.get("semantic_score")
    share = 1.0 if semantic is None else settings.lexical_share
    steps = [(name, share * weight * float(row.get(column) or 0.0)) for name, weight, column in (
        ("words", w.word, "word_score"), ("characters", w.char, "char_score"),
        ("token set", w.fuzz, "fuzz_score"), ("rare terms", w.rare, "rare_score"))]  # fmt: skip
    if semantic is not None:
        steps.append(("meaning", (1 - settings.lexical_share) * float(semantic)))
    steps.append(("names agree", settings.agreement_for(semantic is not None) * float(row.get("subject_agreement") or 0.0)))
    running = sum(delta for _, delta in steps)
    for name, penalty, column in (
        ("names conflict", settings.conflict_penalty, "subject_conflict"),
        ("same section", settings.section_penalty, "is_same_section"),
    ):
        delta = -running * penalty * float(row.get(column) or 0.0)
        steps.append((name, delta))
        running += delta
    rest = float(row["score"]) - running
    if abs(rest) > 0.002:  # beyond the 4-decimal rounding of the parts: the score was learned from the verdicts
        steps.append(("learned from verdicts", rest))
    return [(name, round(delta, 4)) for name, delta in steps]
