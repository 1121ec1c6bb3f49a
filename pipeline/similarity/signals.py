"""The comparisons a pair of questions is scored on (Splink's "comparisons"), and the vector space they read. Pure.

The word, character and fuzzy signals read each question without its frame (`frames.py`: the openings the bank's
questions share, "what is the difference between", "walk through"), so a shared frame is no evidence of a repeat.

Built to serve a bank a thousand times larger with the same code: texts are hashed into sparse TF-IDF rows (no
vocabulary that grows with the bank). Each pair gets these signals, which `score` combines:

- `word_score`: cosine of word 1–2-gram TF-IDF (stop words dropped, sublinear tf);
- `char_score`: cosine of character 3–5-gram TF-IDF within word boundaries (spelling variants, plurals);
- `fuzz_score`: rapidfuzz token-set ratio / 100 (reordered phrasings);
- `rare_score`: IDF-weighted Dice overlap of the terms that are rare in the bank (in at most `rare_max_df`
  questions): model names, acronyms, named techniques;
- `semantic_score`: cosine of the questions' sentence embeddings (see `pipeline/similarity/embed.py`);
- `subject_agreement` and `subject_conflict`: how far the named things of the two questions agree, and how far
  each names something the other does not (see `pipeline/similarity/subject.py`);
- `is_same_section`: both questions stand in one section.

A bank's space is an object: overlap builds it once and hands it to dedup in the same process (`vectorise(…,
lexical=space)`); nothing is kept behind the caller's back.
"""

import math
import re
from dataclasses import dataclass

import numpy as np

from pipeline.similarity import frames as frame_rule
from pipeline.similarity import subject
from pipeline.similarity.settings import DEFAULT, Settings

STOP_WORDS = frozenset(
    "a an and are as at be between by can do does for from how in is it its of on or that the this to vs what when "
    "which why with would you your each about into than them they their there these those we our one two any".split()
)

TOKEN = re.compile(r"[a-z0-9]+(?:[-.][a-z0-9]+)*")


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


def shared_terms(text_a: str, text_b: str) -> frozenset[str]:
    """Return the content terms two questions share (what the report highlights)."""
    return terms(text_a) & terms(text_b)


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
    frames: frame_rule.Frames = frame_rule.NONE  # the bank's question frames (frames.py): no evidence of a repeat


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
    content: list = None  # per text: the text without its frames (what the word, character and fuzzy signals read)


def _hashing(analyzer: str, ngram_range: tuple[int, int], **options):
    from sklearn.feature_extraction.text import HashingVectorizer

    return HashingVectorizer(
        analyzer=analyzer,
        ngram_range=ngram_range,
        n_features=2**22,
        alternate_sign=False,
        norm=None,
        lowercase=True,
        dtype=np.float32,
        **options,
    )


def _counts(texts: list[str]):
    """Return the hashed word 1–2-gram counts, character 3–5-gram counts and term presence of `texts` (CSR)."""
    words = _hashing("word", (1, 2), token_pattern=TOKEN.pattern, stop_words=sorted(STOP_WORDS)).transform(texts).tocsr()
    chars = _hashing("char_wb", (3, 5)).transform(texts).tocsr()
    present = (
        _hashing("word", (1, 1), token_pattern=TOKEN.pattern, stop_words=sorted(STOP_WORDS), binary=True).transform(texts).tocsr()
    )
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


def build_space(texts: list[str], settings: Settings = DEFAULT) -> Space:
    """Return the lexical space of a bank: its texts weighted by their own IDF, rarity and names (no embeddings)."""
    n = len(texts)
    frames = frame_rule.learn(texts, settings.frame_min_count, settings.frame_share) if settings.frames else frame_rule.NONE
    content = [frame_rule.content(text, frames) for text in texts]
    word_counts, char_counts, present = _counts(content)
    word_df = np.bincount(word_counts.indices, minlength=word_counts.shape[1])
    char_df = np.bincount(char_counts.indices, minlength=char_counts.shape[1])
    term_df = np.bincount(present.indices, minlength=present.shape[1])
    text_names = [subject.names(text) for text in texts]
    weights = subject.name_weights(text_names)
    statistics = Statistics(
        n=n,
        word_idf=_idf(word_df, n),
        char_idf=_idf(char_df, n),
        term_df=term_df,
        rare_limit=max(settings.rare_max_df, math.ceil(settings.rare_share * n)),
        candidate_keep=(word_df <= settings.candidate_max_df).astype(np.float32),
        common_names=frozenset(name for found in text_names for name in found if name not in weights),
        frames=frames,
    )
    words = _weighted(word_counts, statistics.word_idf)
    del word_counts
    chars = _weighted(char_counts, statistics.char_idf)
    del char_counts
    rare, rare_mass = _rare(present, term_df, n, statistics.rare_limit)
    return Space(
        texts,
        words,
        chars,
        rare,
        rare_mass,
        _candidates(words, statistics.candidate_keep),
        None,
        text_names,
        weights,
        None,
        statistics,
        content,
    )


def vectorise(
    texts: list[str], embeddings=None, settings: Settings | None = None, sections=None, lexical: Space | None = None
) -> Space:
    """Return the scoring space of `texts` (IDF and rarity are relative to these texts).

    `lexical`, a space `build_space` made of the same texts (overlap's, passed on to dedup in one process), is reused
    rather than built again.
    """
    from dataclasses import replace

    settings = settings or DEFAULT
    if lexical is None or lexical.texts != texts:
        lexical = build_space(texts, settings)
    section_array = None if sections is None else np.asarray(sections, dtype=object)
    return replace(lexical, embeddings=embeddings, sections=section_array)


def project(space: Space, texts: list[str], embeddings=None) -> Space:
    """Return `texts` placed in `space`: weighted by the bank's IDF, rarity and name weights, so that each can be
    scored against the bank's texts (`score_columns(space, a, b, right=projected)`) without vectorising the bank
    again. What overlap does with an external bank: its cost follows the external questions, not the bank."""
    stats = space.statistics
    content = [frame_rule.content(text, stats.frames) for text in texts]
    word_counts, char_counts, present = _counts(content)
    words = _weighted(word_counts, stats.word_idf)
    rare, rare_mass = _rare(present, stats.term_df, stats.n, stats.rare_limit)
    text_names = [subject.names(text) for text in texts]
    unseen = math.log(stats.n) + 1  # a name the bank never holds weighs as a name held once
    weights = dict(space.name_weights)
    for found in text_names:
        weights.update({name: unseen for name in found if name not in weights and name not in stats.common_names})
    return Space(
        texts,
        words,
        _weighted(char_counts, stats.char_idf),
        rare,
        rare_mass,
        _candidates(words, stats.candidate_keep),
        embeddings,
        text_names,
        weights,
        None,
        stats,
        content,
    )


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
        space._names_csr = (
            csr_matrix((weights, (rows, cols)), shape=shape),
            csr_matrix((np.ones(len(rows)), (rows, cols)), shape=shape),
        )
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
    conflict = np.where(
        both, np.minimum((mass_a - shared) / np.where(both, mass_a, 1), (mass_b - shared) / np.where(both, mass_b, 1)), 0.0
    )
    conflict = np.clip(conflict, 0.0, 1.0)
    for i in np.flatnonzero(conflict > 1e-9):
        agreement[i], conflict[i] = subject.subject_scores(left.names[a[i]], right.names[b[i]], right.name_weights)
    return agreement, conflict


def _pair_dot(left, right, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.asarray(left[a].multiply(right[b]).sum(axis=1)).ravel()


def signal_columns(space: "Space", right: "Space", a: np.ndarray, b: np.ndarray) -> dict[str, np.ndarray]:
    """Return each comparison of pairs (left a[i], right b[i]): word, character, fuzzy, rare-term, subject, section and
    semantic signals (the semantic one NaN without embeddings). One batch: `score.score_columns` calls it per batch."""
    from rapidfuzz import fuzz, process

    word = _pair_dot(space.words, right.words, a, b)
    char = _pair_dot(space.chars, right.chars, a, b)
    fuzz_score = (
        process.cpdist([space.content[i] for i in a], [right.content[i] for i in b], scorer=fuzz.token_set_ratio, workers=-1)
        / 100
    )
    shared = np.asarray(space.rare[a].minimum(right.rare[b]).sum(axis=1)).ravel()
    mass_a, mass_b = space.rare_mass[a], right.rare_mass[b]
    has_both = (mass_a > 0) & (mass_b > 0)
    rare = np.where(has_both, 2 * shared / np.where(has_both, mass_a + mass_b, 1), 0.0)
    agreement, conflict = _subject_columns(space, right, a, b)
    if space.sections is None or right.sections is None:
        same_section = np.zeros(len(a))
    else:
        same_section = (space.sections[a] == right.sections[b]).astype(np.float64)
    if space.embeddings is None or right.embeddings is None:
        semantic = np.full(len(a), np.nan)
    else:
        semantic = np.einsum("ij,ij->i", space.embeddings[a], right.embeddings[b])
    return {
        "word_score": word,
        "char_score": char,
        "fuzz_score": fuzz_score,
        "rare_score": rare,
        "semantic_score": semantic,
        "subject_agreement": agreement,
        "subject_conflict": conflict,
        "is_same_section": same_section,
    }
