"""What a question is about: the named things in it (techniques, models, metrics, benchmarks). Pure.

A duplicate asks about the same subject; a template look-alike keeps the sentence frame and changes the subject
("How does FlashAttention …" / "How does PagedAttention …"). Ordinary words cannot tell the two apart (a paraphrase
brings new ordinary words too), but names can: a paraphrase keeps its names, a look-alike swaps them.

A word is a name when it is written like one: an acronym (`GQA`, `MMLU`), a capital inside the word
(`FlashAttention`, `vLLM`, `LoRA`), letters with digits (`word2vec`, `GPT-4`, `pass@k`), or a capitalised word that
does not open a sentence (`Chinchilla`, `Mixtral`). Names that the editors list as generic (`LLM`, `AI`) and names
in a large share of the bank are not subjects.
"""

import math
import re
from collections import Counter

WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9@]*(?:[-.][A-Za-z0-9@]+)*")  # `JSON/tool` is two words
SENTENCE_START = re.compile(r"(?:^|[.?!:;—–\"“”‘’(]\s*|\s-\s)$")
GENERIC = frozenset({"llm", "llms", "ai", "ml", "gpu", "gpus", "cpu", "api", "apis", "i", "a", "q", "vs", "e.g", "i.e", "etc"})
MAX_SHARE = 0.05  # a name in more than this share of the bank (and in more than 5 questions) is no subject


def _is_name(word: str, opens_sentence: bool) -> bool:
    letters = [c for c in word if c.isalpha()]
    if not letters:
        return False
    if any(c.isdigit() for c in word) or "@" in word:
        return True
    if len(letters) >= 2 and all(c.isupper() for c in letters):
        return True
    if any(c.isupper() for c in word[1:]):
        return True
    return word[0].isupper() and not opens_sentence


def piece_of(word: str, piece: str) -> str:
    """Return `piece` (lower case) as written in `word`."""
    start = word.lower().find(piece)
    return word[start : start + len(piece)]


SENTENCE_MARKS = frozenset('.?!:;—–"“”‘’(')


def opens_sentence(text: str, start: int) -> bool:
    """Return whether the word at `start` opens a sentence, as SENTENCE_START.search(text[:start]) says, reading only
    the end of what stands before it (searching the whole of it for every word was quadratic in a question). Pure."""
    if start == 0:
        return True
    before = start
    while before > 0 and text[before - 1].isspace():
        before -= 1
    if before > 0 and text[before - 1] in SENTENCE_MARKS:
        return True
    return start >= 3 and text[start - 3].isspace() and text[start - 2] == "-" and text[start - 1].isspace()


def names(text: str, generic: frozenset = GENERIC) -> frozenset[str]:
    """Return the names in `text`, lower-cased (plural `s` of an acronym dropped: `LLMs` → `llm`)."""
    found = set()
    for match in WORD.finditer(text):
        word = match.group()
        opens = opens_sentence(text, match.start())
        if not _is_name(word, opens):
            continue
        key = word.lower()
        if len(word) > 2 and word[-1] == "s" and word[:-1].isupper():
            key = key[:-1]
        # a hyphenated name also names its parts: `Multi-LoRA` names LoRA
        for part in {key, *(piece for piece in key.split("-") if len(piece) > 1 and _is_name(piece_of(word, piece), True))}:
            if part not in generic:
                found.add(part)
    return frozenset(found)


def name_weights(all_names: list[frozenset], max_share: float = MAX_SHARE) -> dict[str, float]:
    """Return each name's IDF weight over the bank; names too common to mark a subject are left out."""
    frequency = Counter(name for found in all_names for name in found)
    n = max(len(all_names), 1)
    limit = max(5, max_share * n)
    return {name: math.log(n / df) + 1 for name, df in frequency.items() if df <= limit}


def is_misspelling(x: str, y: str) -> bool:
    """Return whether two (lower-cased) names are one name misspelt: a letter dropped, doubled or two swapped.

    Only names of at least five characters, with the same first letter and the same digits: `flashattetnion` is
    `flashattention`, but `qlora` is not `lora`, `gpt-3` is not `gpt-4`, and `mixtral` is not `mistral` (a letter
    replaced makes another name).
    """
    if x == y or min(len(x), len(y)) < 5 or x[0] != y[0] or [c for c in x if c.isdigit()] != [c for c in y if c.isdigit()]:
        return False
    from rapidfuzz.distance import Indel

    return Indel.distance(x, y) <= (2 if min(len(x), len(y)) >= 8 else 1)


def _spelled_alike(a: dict, b: dict) -> tuple[dict, dict]:
    """Return `a` and `b` with each name of `b` that misspells an unshared name of `a` renamed to it."""
    only_a = [n for n in a if n not in b]
    renamed = {}
    for name, weight in b.items():
        match = None if name in a else next((n for n in only_a if is_misspelling(n, name)), None)
        renamed[match or name] = max(weight, renamed.get(match or name, 0.0))
    return a, renamed


def subject_scores(a: frozenset, b: frozenset, weights: dict[str, float]) -> tuple[float, float]:
    """Return (agreement, conflict) of two questions' names.

    agreement: the IDF-weighted Dice overlap of their names (0 when either has none);
    conflict: how far each names something the other does not: the smaller of the two questions' shares of
    their own name mass that the other lacks (0 when either has none). A question that adds detail to the other
    (`MLA` / `MLA in DeepSeek V2`) has no conflict; one that swaps the subject (`FlashAttention` / `PagedAttention`)
    has conflict 1.
    """
    a = {n: weights[n] for n in a if n in weights}
    b = {n: weights[n] for n in b if n in weights}
    if not a or not b:
        return 0.0, 0.0
    a, b = _spelled_alike(a, b)
    mass_a, mass_b = sum(a.values()), sum(b.values())
    shared = sum(w for n, w in a.items() if n in b)
    agreement = 2 * shared / (mass_a + mass_b)
    only_a = sum(w for n, w in a.items() if n not in b) / mass_a
    only_b = sum(w for n, w in b.items() if n not in a) / mass_b
    return agreement, min(only_a, only_b)
