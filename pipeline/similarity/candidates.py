"""Which pairs are worth scoring (Splink's "blocking"): each question's top-k neighbours. Pure.

No n×n matrix is ever built: neighbours are found by a chunked sparse product over the informative word features
(terms in more than `candidate_max_df` questions are left out of candidate generation only), over the character
features for external questions, and over the embeddings where there are some.
"""

import numpy as np

from pipeline.progress import progress
from pipeline.similarity.settings import DEFAULT, Settings
from pipeline.similarity.signals import Space


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


def candidate_pairs(space: Space, settings: Settings | None = None) -> tuple[np.ndarray, np.ndarray]:
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


def query_candidates(space: Space, asked: Space, settings: Settings | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Return (query, corpus) index arrays: each projected query's top-k corpus neighbours, by words, characters and
    embeddings (where both have them)."""
    settings = settings or DEFAULT
    found_q, found_c = [], []
    has_embeddings = asked.embeddings is not None and space.embeddings is not None
    for mine, theirs in [(asked.candidates, space.candidates), (asked.chars, space.chars)] + (
        [(asked.embeddings, space.embeddings)] if has_embeddings else []
    ):
        rows, cols = _top_k(mine, theirs, settings.neighbours, exclude_self=False)
        found_q.append(rows)
        found_c.append(cols)
    return np.concatenate(found_q), np.concatenate(found_c)
