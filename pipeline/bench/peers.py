"""Peers of our dedup stage, run on the same generated banks in `make bench`: each prints the pairs it flags.

`python -m pipeline.bench.peers minhash --threshold 0.5 SOURCE OUT` or `… embedding --threshold 0.8 SOURCE OUT`
reads the appendix at SOURCE (any size), finds near-duplicate pairs, and writes them to OUT as JSON label pairs.
`make bench` runs each under the measuring wrapper, so its wall time and peak memory are its own.

- `minhash`: datasketch's MinHashLSH over word 1- and 2-grams, 128 permutations (the usual setup for text
  near-duplicates); every pair that shares an LSH bucket is flagged.
- `embedding`: the sentence embeddings our dedup uses (all-MiniLM-L6-v2, int8 ONNX), exact cosine nearest
  neighbours (top 10 per question, by blocks of rows), flagged at a cosine threshold.

The peers live in the optional `bench` extra (requirements-bench.lock), never in the default install.
"""

import json
import re
import sys
from pathlib import Path

import numpy as np

WORD = re.compile(r"[a-z0-9]+")


def shingles(text: str) -> set[bytes]:
    """Return a question's word 1- and 2-grams, lower-cased, as bytes."""
    words = WORD.findall(text.lower())
    return {w.encode() for w in words} | {f"{a} {b}".encode() for a, b in zip(words, words[1:])}


def minhash_pairs(texts: list[str], threshold: float, num_perm: int = 128) -> set[tuple[int, int]]:
    """Return the index pairs (a < b) that datasketch's MinHashLSH puts in a common bucket."""
    from datasketch import MinHash, MinHashLSH

    hashes = MinHash.bulk([sorted(shingles(t)) for t in texts], num_perm=num_perm)
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    for i, minhash in enumerate(hashes):
        lsh.insert(i, minhash)
    pairs = set()
    for i, minhash in enumerate(hashes):
        pairs |= {(min(i, j), max(i, j)) for j in lsh.query(minhash) if j != i}
    return pairs


def embedding_pairs(texts: list[str], threshold: float, k: int = 10, block: int = 2048) -> set[tuple[int, int]]:
    """Return the index pairs (a < b) among each question's k nearest neighbours whose embedding cosine is at least `threshold`."""
    from pipeline.similarity.embed import load_encoder

    vectors = load_encoder()(texts)
    pairs = set()
    for start in range(0, len(texts), block):
        scores = vectors[start : start + block] @ vectors.T
        for row, line in enumerate(scores):
            line[start + row] = -1.0
            best = np.argpartition(-line, min(k, len(line) - 1))[:k]
            pairs |= {(min(start + row, int(j)), max(start + row, int(j))) for j in best if line[j] >= threshold}
    return pairs


def main(argv: list[str]) -> int:
    from pipeline.ingest.parse import parse_appendix

    method, threshold, source, out = argv[0], float(argv[argv.index("--threshold") + 1]), Path(argv[-2]), Path(argv[-1])
    questions = parse_appendix(source.read_text(encoding="utf-8"))["questions"]
    texts, labels = [q["text"] for q in questions], [q["label"] for q in questions]
    found = minhash_pairs(texts, threshold) if method == "minhash" else embedding_pairs(texts, threshold)
    out.write_text(json.dumps(sorted([labels[a], labels[b]] for a, b in found)), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
