"""Score candidate near-duplicate question pairs. Pure: texts (and their embeddings) in, scored pairs out.

Used by two stages: dedup (the bank against itself) and overlap (external banks against the bank).

Built to serve a bank a thousand times larger with the same code: texts are hashed into sparse TF-IDF rows
(no vocabulary that grows with the bank), candidates are each question's top-k neighbours found by a chunked
sparse product over the informative word features (terms in more than `candidate_max_df` questions are left
out of candidate generation only), so no n×n matrix is ever built, and every candidate pair is scored at
once, column-wise. Each pair gets four component scores and one combined score:

- `word_score`: cosine of word 1–2-gram TF-IDF (stop words dropped, sublinear tf);
- `char_score`: cosine of character 3–5-gram TF-IDF within word boundaries (spelling variants, plurals);
- `fuzz_score`: rapidfuzz token-set ratio / 100 (reordered phrasings);
- `rare_score`: IDF-weighted Dice overlap of the terms that are rare in the bank (in at most
  `rare_max_df` questions): model names, acronyms, named techniques. Template look-alikes
  ("What is ZeRO / FSDP and how does it reduce memory?" / "What is QLoRA and how does it reduce
  memory further?") share only common words and score 0 here;
- `semantic_score`: cosine of the questions' sentence embeddings (see `pipeline/similarity/embed.py`);
- `subject_agreement` and `subject_conflict`: how far the named things of the two questions agree, and how far
  each names something the other does not (see `pipeline/similarity/subject.py`);
- `is_same_section`: both questions stand in one section (deliberate follow-ups are common there).

The combined `score` separates subject from frame:
    base  = (1 − lexical_share) · semantic + lexical_share · lexical + agreement_weight · agreement
    score = base · (1 − conflict_penalty · conflict) · (1 − section_penalty · is_same_section)
so a look-alike that keeps the frame and swaps the subject loses up to half its score, however alike its words.
Without embeddings (`embeddings=None`: switched off, or a bank above `Settings.embed_max_questions`) `base` is the
lexical score and the lexical threshold applies. The weights were chosen on the development labels only
(pipeline/evaluation/data/dedup_labels.csv); `make eval-dedup` reports them on the held-out sets.
"""

import math
import re
from dataclasses import dataclass

import numpy as np

from pipeline.progress import progress
from pipeline.similarity import subject

STOP_WORDS = frozenset(
    "a an and are as at be between by can do does for from how in is it its of on or that the this to vs what when "
    "which why with would you your each about into than them they their there these those we our one two any".split()
)
SCORE_COLUMNS = ("word_score", "char_score", "fuzz_score", "rare_score", "lexical_score", "semantic_score",
                 "subject_agreement", "subject_conflict", "is_same_section", "score")
TOKEN = re.compile(r"[a-z0-9]+(?:[-.][a-z0-9]+)*")


@dataclass(frozen=True)
class Weights:  # chosen with `make eval-dedup` (real labelled pairs) and `make bench` (recall of injected typos)
    word: float = 0.30
    char: float = 0.20
    fuzz: float = 0.10
    rare: float = 0.40


@dataclass(frozen=True)
class Settings:
    neighbours: int = 10  # top-k per question and per representation
    candidate_max_df: int = 50  # terms in more questions than this do not make candidates (they still score)
    batch_pairs: int = 50_000  # pairs scored per batch: bounds memory
    rare_max_df: int = 3  # a term in at most this many questions counts as rare …
    rare_share: float = 0.0001  # … or in at most this share of the bank, when that is more (a name in 100 of 1M questions)
    threshold: float = 0.50  # with embeddings; chosen on the development labels (no hard negative flagged there)
    lexical_threshold: float = 0.40  # without embeddings: the lowest at which the development labels flag no hard negative
    review_band: int = 20  # the undecided pairs after the flagged ones that join the review queue
    near_margin: float = 0.08  # overlap: an external question this far below the threshold is "near", not covered
    weights: Weights = Weights()
    lexical_share: float = 0.4  # share of the lexical score in `base` (the rest is the embedding cosine)
    agreement_weight: float = 0.1  # bonus for shared names
    conflict_penalty: float = 0.5  # a full subject swap halves the score
    section_penalty: float = 0.20  # a pair inside one section loses this share (follow-ups are deliberate there)
    embed_max_questions: int = 20_000  # `auto` embeds banks up to this size (encoding costs about 2.3 ms a question here)

    def threshold_for(self, has_embeddings: bool) -> float:
        """Return the flagging threshold of the scoring in use."""
        return self.threshold if has_embeddings else self.lexical_threshold


DEFAULT = Settings()


def terms(text: str) -> frozenset[str]:
    """Return the content terms of `text`: lower-case words (hyphens, dots kept inside), stop words dropped."""
    return frozenset(TOKEN.findall(text.lower())) - STOP_WORDS


def rare_overlap(a: frozenset, b: frozenset, idf: dict, document_frequency, max_df: int) -> float:
    """Return the IDF-weighted Dice overlap of the rare terms of two questions (0 when either has none).

    The reference definition of `rare_score`; `score_columns` computes the same with sparse matrices.
    """
    rare_a = {t for t in a if document_frequency[t] <= max_df}
    rare_b = {t for t in b if document_frequency[t] <= max_df}
    if not rare_a or not rare_b:
        return 0.0
    shared = sum(idf[t] for t in rare_a & rare_b)
    return 2 * shared / (sum(idf[t] for t in rare_a) + sum(idf[t] for t in rare_b))


@dataclass(frozen=True)
class Statistics:
    """What a bank's texts say of its features: enough to place other texts (queries) in the bank's space."""

    n: int
    word_idf: np.ndarray  # per hashed word 1–2-gram: the bank's IDF (sklearn's smoothed form)
    char_idf: np.ndarray
    term_df: np.ndarray  # per hashed term: questions holding it
    rare_limit: int
    candidate_keep: np.ndarray  # per word feature: 1 when rare enough to make candidates
    common_names: frozenset  # names too common in the bank to mark a subject


@dataclass
class Space:
    """The vectorised texts every pair score reads."""

    texts: list[str]
    words: object  # L2-normalised word 1–2-gram TF-IDF, CSR
    chars: object  # L2-normalised character 3–5-gram TF-IDF, CSR
    rare: object  # IDF weight of each rare term a text holds (0 elsewhere), CSR
    rare_mass: np.ndarray  # per text: the sum of its rare terms' IDF weights
    candidates: object  # word TF-IDF without the terms too common to make candidates, CSR
    embeddings: object = None
    names: list = None  # per text: its names (subject.names)
    name_weights: dict = None  # IDF weight of each name that can mark a subject
    sections: object = None  # per text: the section it stands in (None: unknown, never "same section")
    statistics: Statistics = None


def _hashing(analyzer: str, ngram_range: tuple[int, int], **options):
    from sklearn.feature_extraction.text import HashingVectorizer

    return HashingVectorizer(analyzer=analyzer, ngram_range=ngram_range, n_features=2**22, alternate_sign=False,
                             norm=None, lowercase=True, dtype=np.float32, **options)  # fmt: skip


def _counts(texts: list[str]):
    """Return the hashed word 1–2-gram counts, character 3–5-gram counts and term presence of `texts` (CSR)."""
    words = _hashing("word", (1, 2), token_pattern=TOKEN.pattern, stop_words=sorted(STOP_WORDS)).transform(texts).tocsr()
    chars = _hashing("char_wb", (3, 5)).transform(texts).tocsr()
    present = _hashing("word", (1, 1), token_pattern=TOKEN.pattern, stop_words=sorted(STOP_WORDS), binary=True).transform(texts).tocsr()
    present.data[:] = 1
    return words, chars, present


def _weighted(counts, idf: np.ndarray):
    """Return sublinear-tf × IDF rows, L2-normalised: what sklearn's TfidfTransformer(sublinear_tf=True) computes."""
    from sklearn.preprocessing import normalize

    weighted = counts.astype(np.float32, copy=True)
    np.log(weighted.data, out=weighted.data)
    weighted.data += 1
    weighted.data *= idf[weighted.indices].astype(np.float32)
    return normalize(weighted)


def _idf(document_frequency: np.ndarray, n: int) -> np.ndarray:
    return np.log((1 + n) / (1 + document_frequency)) + 1  # sklearn's smoothed IDF


def _rare(present, term_df: np.ndarray, n: int, rare_limit: int):
    """Return each text's rare terms weighted by IDF (a term the bank never holds counts as held once), and their mass."""
    df = np.maximum(term_df, 1)
    weights = np.where(df <= rare_limit, np.log(n / df) + 1, 0.0)
    rare = present.multiply(weights).tocsr()
    rare.eliminate_zeros()
    return rare, np.asarray(rare.sum(axis=1)).ravel()


def _candidates(words, keep: np.ndarray):
    from sklearn.preprocessing import normalize

    pruned = words.multiply(keep).tocsr()
    pruned.eliminate_zeros()  # multiply leaves the dropped terms as stored zeros, which the product would still walk
    return normalize(pruned)


_MEMO: dict = {}  # the last bank vectorised: overlap and dedup, in one process, build the bank's space once


def _lexical_space(texts: list[str], settings: "Settings") -> Space:
    import hashlib

    key = (hashlib.blake2b("\0".join(texts).encode("utf-8", "surrogatepass"), digest_size=16).hexdigest(), len(texts), settings)
    if _MEMO.get("key") != key:
        _MEMO.clear()  # one bank at a time: the previous space is released before the next is built
        _MEMO.update(key=key, space=_build_space(texts, settings))
    return _MEMO["space"]


def _build_space(texts: list[str], settings: "Settings") -> Space:
    n = len(texts)
    word_counts, char_counts, present = _counts(texts)
    word_df = np.bincount(word_counts.indices, minlength=word_counts.shape[1])
    char_df = np.bincount(char_counts.indices, minlength=char_counts.shape[1])
    term_df = np.bincount(present.indices, minlength=present.shape[1])
    text_names = [subject.names(text) for text in texts]
    weights = subject.name_weights(text_names)
    statistics = Statistics(
        n=n, word_idf=_idf(word_df, n), char_idf=_idf(char_df, n), term_df=term_df,
        rare_limit=max(settings.rare_max_df, math.ceil(settings.rare_share * n)),
        candidate_keep=(word_df <= settings.candidate_max_df).astype(np.float32),
        common_names=frozenset(name for found in text_names for name in found if name not in weights),
    )  # fmt: skip
    words = _weighted(word_counts, statistics.word_idf)
    del word_counts
    chars = _weighted(char_counts, statistics.char_idf)
    del char_counts
    rare, rare_mass = _rare(present, term_df, n, statistics.rare_limit)
    return Space(texts, words, chars, rare, rare_mass, _candidates(words, statistics.candidate_keep), None, text_names, weights, None, statistics)


def forget() -> None:
    """Release the space kept for the process (its last user calls this: dedup, after scoring, under Make)."""
    _MEMO.clear()


def vectorise(texts: list[str], embeddings=None, settings: "Settings | None" = None, sections=None) -> Space:
    """Return the scoring space of `texts` (IDF and rarity are relative to these texts).

    The lexical part is kept for the process: a second call on the same texts (dedup after overlap) reuses it.
    """
    from dataclasses import replace

    settings = settings or DEFAULT
    section_array = None if sections is None else np.asarray(sections, dtype=object)
    return replace(_lexical_space(texts, settings), embeddings=embeddings, sections=section_array)


def project(space: Space, texts: list[str], embeddings=None) -> Space:
    """Return `texts` placed in `space`: weighted by the bank's IDF, rarity and name weights, so that each can be
    scored against the bank's texts (`score_columns(space, a, b, right=projected)`) without vectorising the bank
    again. What overlap does with an external bank: its cost follows the external questions, not the bank."""
    stats = space.statistics
    word_counts, char_counts, present = _counts(texts)
    words = _weighted(word_counts, stats.word_idf)
    rare, rare_mass = _rare(present, stats.term_df, stats.n, stats.rare_limit)
    text_names = [subject.names(text) for text in texts]
    unseen = math.log(stats.n) + 1  # a name the bank never holds weighs as a name held once
    weights = dict(space.name_weights)
    for found in text_names:
        weights.update({name: unseen for name in found if name not in weights and name not in stats.common_names})
    return Space(texts, words, _weighted(char_counts, stats.char_idf), rare, rare_mass, _candidates(words, stats.candidate_keep),
                 embeddings, text_names, weights, None, stats)  # fmt: skip


def _dense_top_k(block: np.ndarray, start: int, k: int, exclude_self: bool) -> tuple[np.ndarray, np.ndarray]:
    """Return (row, neighbour) of each row's k best columns of a dense block (rows offset by `start`)."""
    block = block.astype(np.float32, copy=True)
    if exclude_self:
        diagonal = np.arange(block.shape[0])
        inside = diagonal + start < block.shape[1]
        block[diagonal[inside], diagonal[inside] + start] = -np.inf
    k = min(k, block.shape[1] - (1 if exclude_self else 0))
    if k <= 0:
        return np.array([], dtype=np.int64), np.array([], dtype=np.int64)
    best = np.argpartition(-block, k - 1, axis=1)[:, :k]
    rows = np.repeat(np.arange(block.shape[0], dtype=np.int64), k)
    cols = best.ravel().astype(np.int64)
    keep = block[rows, cols] > 0
    return rows[keep] + start, cols[keep]


def _top_k(query, corpus, k: int, exclude_self: bool, max_cells: int = 20_000_000) -> tuple[np.ndarray, np.ndarray]:
    """Return (row, neighbour) index arrays: each query row's k best corpus rows by dot product (> 0).

    Rows go in chunks sized by the product's measured density (a sample of the first rows), so each chunk's
    result holds about `max_cells` entries: memory stays bounded, and the fixed cost scipy pays per product
    (a pass over the corpus) is paid a few times, not once per small chunk. Top-k is taken per chunk with one
    sort, not a loop over rows.
    """
    n_query = query.shape[0]
    sparse = hasattr(corpus, "tocsr")
    few = sparse and n_query * 8 < corpus.shape[0]  # a few queries (overlap): multiply the corpus as it is, never transposed
    corpus_t = corpus.T if few or not sparse else corpus.T.tocsr()
    product = (lambda rows: (corpus @ rows.T.tocsr()).T.tocsr()) if few else (lambda rows: rows @ corpus_t)  # noqa: E731
    if sparse:
        spread = np.linspace(0, n_query - 1, num=min(8 if few else 512, n_query), dtype=np.int64)  # rows from the whole bank
        sample = product(query[spread])
        density = 4 * max(sample.nnz / len(spread), 1.0)  # a margin: density varies between sections
    else:
        density = float(corpus.shape[0])  # dense embeddings: every cell is filled
    chunk = int(max(1 if few else 64, min(n_query, 100_000, max_cells // density)))
    rows, cols = [], []
    starts = range(0, n_query, chunk)
    for start in progress(starts, len(starts), "neighbours"):
        block = product(query[start : start + chunk])
        if not hasattr(block, "tocoo"):  # dense (embeddings): a partial sort per row, not a sort of the whole block
            rows_here, cols_here = _dense_top_k(np.asarray(block), start, k, exclude_self)
            rows.append(rows_here)
            cols.append(cols_here)
            continue
        block = block.tocoo()
        r, c, v = block.row.astype(np.int64), block.col.astype(np.int64), block.data
        keep = v > 0  # only texts sharing a feature
        if exclude_self:
            keep &= c != r + start
        r, c, v = r[keep], c[keep], v[keep]
        order = np.lexsort((c, -v, r))  # per row: best first (ties: the earlier text)
        r, c = r[order], c[order]
        first = np.searchsorted(r, r, side="left")  # position of each row's first entry
        rank = np.arange(len(r)) - first
        best = rank < k
        rows.append(r[best] + start)
        cols.append(c[best])
    if not rows:
        return np.array([], dtype=np.int64), np.array([], dtype=np.int64)
    return np.concatenate(rows), np.concatenate(cols)


def candidate_pairs(space: Space, settings: "Settings | None" = None) -> tuple[np.ndarray, np.ndarray]:
    """Return index arrays (a < b) of the pairs that are among each other's top-k neighbours."""
    settings = settings or DEFAULT
    found_a, found_b = [], []
    spaces = [space.candidates] + ([space.embeddings] if space.embeddings is not None else [])
    for matrix in spaces:
        rows, cols = _top_k(matrix, matrix, settings.neighbours, exclude_self=True)
        found_a.append(np.minimum(rows, cols))
        found_b.append(np.maximum(rows, cols))
    pairs = np.unique(np.stack([np.concatenate(found_a), np.concatenate(found_b)], axis=1), axis=0)
    return pairs[:, 0], pairs[:, 1]


def _name_matrices(space: Space):
    """Return (weights, presence): per text, the IDF weight of each subject name it holds, and which it holds (CSR)."""
    from scipy.sparse import csr_matrix

    if getattr(space, "_names_csr", None) is None:
        index = {name: i for i, name in enumerate(space.name_weights)}
        rows, cols, weights = [], [], []
        for row, found in enumerate(space.names):
            for name in found:
                if name in index:
                    rows.append(row)
                    cols.append(index[name])
                    weights.append(space.name_weights[name])
        shape = (len(space.names), max(len(index), 1))
        space._names_csr = (csr_matrix((weights, (rows, cols)), shape=shape), csr_matrix((np.ones(len(rows)), (rows, cols)), shape=shape))
    return space._names_csr


def _subject_columns(left: Space, right: Space, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return subject agreement and conflict of pairs (left a[i], right b[i]), as `subject.subject_scores` defines them.

    Computed with sparse products; only the pairs with a conflict (each names something the other lacks) go through
    the misspelling check one by one, so a typo'd name is not taken for a swapped subject. A projected space's names
    extend the bank's (same columns first), so the shared columns line up.
    """
    weights_l, presence_l = _name_matrices(left)
    weights_r, presence_r = _name_matrices(right)
    width = min(weights_l.shape[1], presence_r.shape[1])
    mass_a = np.asarray(weights_l.sum(axis=1)).ravel()[a]
    mass_b = np.asarray(weights_r.sum(axis=1)).ravel()[b]
    shared = np.asarray(weights_l[a][:, :width].multiply(presence_r[b][:, :width]).sum(axis=1)).ravel()
    both = (mass_a > 0) & (mass_b > 0)
    agreement = np.where(both, 2 * shared / np.where(both, mass_a + mass_b, 1), 0.0)
    conflict = np.where(both, np.minimum((mass_a - shared) / np.where(both, mass_a, 1), (mass_b - shared) / np.where(both, mass_b, 1)), 0.0)
    conflict = np.clip(conflict, 0.0, 1.0)
    for i in np.flatnonzero(conflict > 1e-9):
        agreement[i], conflict[i] = subject.subject_scores(left.names[a[i]], right.names[b[i]], right.name_weights)
    return agreement, conflict


def _pair_dot(left, right, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.asarray(left[a].multiply(right[b]).sum(axis=1)).ravel()


def score_columns(space: Space, a: np.ndarray, b: np.ndarray, settings: "Settings | None" = None, right: Space | None = None) -> dict[str, np.ndarray]:
    """Return the component scores, lexical score, semantic score (or NaN) and combined score of pairs (a[i], b[i]).

    `a` indexes `space`; `b` indexes `right` (default: `space`), a space made by `project(space, …)`.
    """
    from rapidfuzz import fuzz, process

    settings = settings or DEFAULT
    right = space if right is None else right
    w = settings.weights
    a, b = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
    columns = {name: [] for name in SCORE_COLUMNS}
    starts = range(0, len(a), settings.batch_pairs)
    for start in progress(starts, len(starts), "scoring pairs"):
        pa, pb = a[start : start + settings.batch_pairs], b[start : start + settings.batch_pairs]
        word = _pair_dot(space.words, right.words, pa, pb)
        char = _pair_dot(space.chars, right.chars, pa, pb)
        fuzz_score = process.cpdist([space.texts[i] for i in pa], [right.texts[i] for i in pb], scorer=fuzz.token_set_ratio, workers=-1) / 100
        shared = np.asarray(space.rare[pa].minimum(right.rare[pb]).sum(axis=1)).ravel()
        mass_a, mass_b = space.rare_mass[pa], right.rare_mass[pb]
        has_both = (mass_a > 0) & (mass_b > 0)
        rare = np.where(has_both, 2 * shared / np.where(has_both, mass_a + mass_b, 1), 0.0)
        lexical = w.word * word + w.char * char + w.fuzz * fuzz_score + w.rare * rare
        agreement, conflict = _subject_columns(space, right, pa, pb)
        if space.sections is None or right.sections is None:
            same_section = np.zeros(len(pa))
        else:
            same_section = (space.sections[pa] == right.sections[pb]).astype(np.float64)
        if space.embeddings is None or right.embeddings is None:
            semantic = np.full(len(pa), np.nan)
            base = lexical
        else:
            semantic = np.einsum("ij,ij->i", space.embeddings[pa], right.embeddings[pb])
            base = (1 - settings.lexical_share) * semantic + settings.lexical_share * lexical
        combined = (base + settings.agreement_weight * agreement) * (1 - settings.conflict_penalty * conflict) * (1 - settings.section_penalty * same_section)
        for name, values in (("word_score", word), ("char_score", char), ("fuzz_score", fuzz_score), ("rare_score", rare),
                             ("lexical_score", lexical), ("semantic_score", semantic), ("subject_agreement", agreement),
                             ("subject_conflict", conflict), ("is_same_section", same_section), ("score", combined)):  # fmt: skip
            columns[name].append(np.round(np.asarray(values, dtype=np.float64), 4))
    return {name: (np.concatenate(parts) if parts else np.array([], dtype=np.float64)) for name, parts in columns.items()}


def score_pair_columns(texts: list[str], settings: "Settings | None" = None, extra_pairs=(), embeddings=None, sections=None) -> dict[str, np.ndarray]:
    """Return every candidate pair (and every pair in `extra_pairs`) with its scores, as columns `a`, `b`, … .

    `sections` (one per text, optional) tells which pairs stand in one section."""
    settings = settings or DEFAULT
    if len(texts) < 2:
        return {"a": np.array([], dtype=np.int64), "b": np.array([], dtype=np.int64), **{name: np.array([], dtype=np.float64) for name in SCORE_COLUMNS}}
    space = vectorise(texts, embeddings, settings, sections)
    a, b = candidate_pairs(space, settings)
    if extra_pairs:
        extra = np.array(sorted(extra_pairs), dtype=np.int64).reshape(-1, 2)
        both = np.unique(np.concatenate([np.stack([a, b], axis=1), extra]), axis=0)
        a, b = both[:, 0], both[:, 1]
    return {"a": a, "b": b, **score_columns(space, a, b, settings)}


def score_pairs(texts: list[str], settings: "Settings | None" = None, extra_pairs=(), embeddings=None, sections=None) -> list[dict]:
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


def best_matches(corpus: list[str], queries: list[str], settings: "Settings | None" = None, embeddings=None) -> list[dict]:
    """Return, for each query text, its best-scoring corpus text (`corpus_index`) and the scores.

    The queries are projected into the corpus's space (its IDF, rarity and names: `project`), and the corpus's space
    is kept for dedup in the same process (Make runs overlap first), so matching costs in proportion to the queries.
    Candidates are each query's top-k corpus neighbours; no queries × corpus matrix is kept.
    `embeddings`, if given, is (the corpus's unit rows, the queries' unit rows).
    """
    settings = settings or DEFAULT
    if not corpus or not queries:
        return [{"corpus_index": None, "score": 0.0} for _ in queries]
    corpus_vectors, query_vectors = embeddings if embeddings is not None else (None, None)
    space = vectorise(corpus, corpus_vectors, settings)
    asked = project(space, queries, query_vectors)
    found_q, found_c = [], []
    for mine, theirs in [(asked.candidates, space.candidates), (asked.chars, space.chars)] + ([(asked.embeddings, space.embeddings)] if embeddings is not None else []):
        rows, cols = _top_k(mine, theirs, settings.neighbours, exclude_self=False)
        found_q.append(rows)
        found_c.append(cols)
    q, c = np.concatenate(found_q), np.concatenate(found_c)
    scored = score_columns(space, c, q, settings, right=asked)
    results = [{"corpus_index": None, "score": 0.0, "lexical_score": 0.0, "semantic_score": None} for _ in queries]
    order = np.lexsort((c, -scored["score"], q))  # per query: best score first, then the earlier corpus text
    taken = set()
    for i in order:
        if q[i] in taken:
            continue
        taken.add(q[i])
        semantic = scored["semantic_score"][i]
        results[q[i]] = {"corpus_index": int(c[i]), **{k: float(v[i]) for k, v in scored.items() if k != "semantic_score"},
                         "semantic_score": None if semantic != semantic else float(semantic)}  # fmt: skip
    return results


def shared_terms(text_a: str, text_b: str) -> frozenset[str]:
    """Return the content terms two questions share (what the report highlights)."""
    return terms(text_a) & terms(text_b)
