"""Score candidate near-duplicate question pairs. Pure: texts in, scored pairs out.

Candidates are each question's top-k neighbours under word and character TF-IDF (sparse rows,
brute-force cosine computed in chunks by scikit-learn), so no n×n matrix is ever built. Each
candidate pair gets four component scores and one combined score:

- `word_score`: cosine of word 1–2-gram TF-IDF (stop words dropped, sublinear tf);
- `char_score`: cosine of character 3–5-gram TF-IDF within word boundaries (spelling variants, plurals);
- `fuzz_score`: rapidfuzz token-set ratio / 100 (reordered phrasings);
- `rare_score`: IDF-weighted Dice overlap of the terms that are rare in the bank (in at most
  `rare_max_df` questions): model names, acronyms, named techniques. Template look-alikes
  ("What is ZeRO / FSDP and how does it reduce memory?" / "What is QLoRA and how does it reduce
  memory further?") share only common words and score 0 here.
"""

import math
import re
from collections import Counter
from dataclasses import dataclass

STOP_WORDS = frozenset(
    "a an and are as at be between by can do does for from how in is it its of on or that the this to vs what when "
    "which why with would you your each about into than them they their there these those we our one two any".split()
)
TOKEN = re.compile(r"[a-z0-9]+(?:[-.][a-z0-9]+)*")


@dataclass(frozen=True)
class Weights:
    word: float = 0.35
    char: float = 0.10
    fuzz: float = 0.10
    rare: float = 0.45


@dataclass(frozen=True)
class Settings:
    neighbours: int = 10  # top-k per question and per vectoriser
    rare_max_df: int = 3  # a term in at most this many questions counts as rare
    threshold: float = 0.39  # the lowest threshold at which `make eval-dedup` flags no hard negative
    review_band: float = 0.08  # pairs this far below the threshold are listed as uncertain, for a second look
    weights: Weights = Weights()
    semantic_weight: float = 0.0  # share of the embedding cosine in `score` when embeddings are given


DEFAULT = Settings()
# With the semantic extra: 0.7 embedding cosine + 0.3 lexical score; threshold from `make eval-dedup SEMANTIC=1`.
SEMANTIC = Settings(threshold=0.49, semantic_weight=0.7)


def terms(text: str) -> frozenset[str]:
    """Return the content terms of `text`: lower-case words (hyphens, dots kept inside), stop words dropped."""
    return frozenset(TOKEN.findall(text.lower())) - STOP_WORDS


def rare_overlap(a: frozenset, b: frozenset, idf: dict, document_frequency: Counter, max_df: int) -> float:
    """Return the IDF-weighted Dice overlap of the rare terms of two questions (0 when either has none)."""
    rare_a = {t for t in a if document_frequency[t] <= max_df}
    rare_b = {t for t in b if document_frequency[t] <= max_df}
    if not rare_a or not rare_b:
        return 0.0
    shared = sum(idf[t] for t in rare_a & rare_b)
    return 2 * shared / (sum(idf[t] for t in rare_a) + sum(idf[t] for t in rare_b))


def candidate_pairs(matrices, neighbours: int) -> set[tuple[int, int]]:
    """Return index pairs (i < j) that are among each other's top-k cosine neighbours in any matrix."""
    from sklearn.neighbors import NearestNeighbors

    pairs = set()
    for matrix in matrices:
        k = min(neighbours + 1, matrix.shape[0])
        index = NearestNeighbors(n_neighbors=k, metric="cosine", algorithm="brute").fit(matrix)
        _, nearest = index.kneighbors(matrix)
        for i, row in enumerate(nearest):
            pairs.update((min(i, int(j)), max(i, int(j))) for j in row if int(j) != i)
    return pairs


@dataclass
class Space:
    """The vectorised texts every pair score reads: TF-IDF rows, term sets and term statistics."""

    texts: list[str]
    words: object
    chars: object
    term_sets: list[frozenset]
    document_frequency: Counter
    idf: dict
    embeddings: object = None


def vectorise(texts: list[str], embeddings=None) -> Space:
    """Return the scoring space of `texts` (IDF and rarity are relative to these texts)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    words = TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True, stop_words=sorted(STOP_WORDS),
                            token_pattern=TOKEN.pattern, lowercase=True).fit_transform(texts)  # fmt: skip
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, lowercase=True).fit_transform(texts)
    term_sets = [terms(t) for t in texts]
    document_frequency = Counter(t for s in term_sets for t in s)
    idf = {t: math.log(len(texts) / d) + 1 for t, d in document_frequency.items()}
    return Space(texts, words, chars, term_sets, document_frequency, idf, embeddings)


def score_pair(space: Space, a: int, b: int, settings: Settings = DEFAULT) -> dict:
    """Return the component scores, the lexical score and the combined score of texts `a` and `b` of `space`."""
    from rapidfuzz import fuzz

    components = {
        "word_score": float(space.words[a].multiply(space.words[b]).sum()),
        "char_score": float(space.chars[a].multiply(space.chars[b]).sum()),
        "fuzz_score": fuzz.token_set_ratio(space.texts[a], space.texts[b]) / 100,
        "rare_score": rare_overlap(space.term_sets[a], space.term_sets[b], space.idf, space.document_frequency, settings.rare_max_df),
    }
    w = settings.weights
    lexical = w.word * components["word_score"] + w.char * components["char_score"] + w.fuzz * components["fuzz_score"] + w.rare * components["rare_score"]
    semantic = None if space.embeddings is None else float(space.embeddings[a] @ space.embeddings[b])
    combined = lexical if semantic is None else settings.semantic_weight * semantic + (1 - settings.semantic_weight) * lexical
    return {**{k: round(v, 4) for k, v in components.items()}, "lexical_score": round(lexical, 4),
            "semantic_score": None if semantic is None else round(semantic, 4), "score": round(combined, 4)}  # fmt: skip


def score_pairs(texts: list[str], settings: Settings = DEFAULT, extra_pairs: frozenset = frozenset(), embeddings=None) -> list[dict]:
    """Return one row per candidate pair (indices `a` < `b` into `texts`): component scores and `score`.

    `extra_pairs` (index pairs, a < b) are scored too, candidates or not: the pairs editors decided.
    With `embeddings` (unit rows, one per text), their nearest neighbours are candidates too and
    `score` blends their cosine (`semantic_score`) with the lexical score by `settings.semantic_weight`.
    """
    if len(texts) < 2:
        return []
    space = vectorise(texts, embeddings)
    spaces = (space.words, space.chars) if embeddings is None else (space.words, space.chars, embeddings)
    pairs = candidate_pairs(spaces, settings.neighbours) | set(extra_pairs)
    return [{"a": a, "b": b, **score_pair(space, a, b, settings)} for a, b in sorted(pairs)]


def best_matches(corpus: list[str], queries: list[str], settings: Settings = DEFAULT, embeddings=None) -> list[dict]:
    """Return, for each query text, its best-scoring corpus text (`corpus_index`) and the scores.

    Both sets share one scoring space (IDF over corpus and queries together); candidates are each query's
    top-k corpus neighbours under each representation, so no queries × corpus matrix is built.
    `embeddings`, if given, has one unit row per corpus text, then one per query.
    """
    from sklearn.neighbors import NearestNeighbors

    if not corpus or not queries:
        return [{"corpus_index": None, "score": 0.0} for _ in queries]
    space = vectorise(corpus + queries, embeddings)
    n = len(corpus)
    candidates: list[set[int]] = [set() for _ in queries]
    matrices = (space.words, space.chars) if embeddings is None else (space.words, space.chars, embeddings)
    for matrix in matrices:
        index = NearestNeighbors(n_neighbors=min(settings.neighbours, n), metric="cosine", algorithm="brute").fit(matrix[:n])
        _, nearest = index.kneighbors(matrix[n:])
        for q, row in enumerate(nearest):
            candidates[q].update(int(j) for j in row)
    results = []
    for q, found in enumerate(candidates):
        scored = [(score_pair(space, c, n + q, settings), c) for c in sorted(found)]
        best, c = max(scored, key=lambda item: (item[0]["score"], -item[1]))
        results.append({"corpus_index": c, **best})
    return results


def shared_terms(text_a: str, text_b: str) -> frozenset[str]:
    """Return the content terms two questions share (what the report highlights)."""
    return terms(text_a) & terms(text_b)
