"""A bank's question frames: the words questions open with that say how a thing is asked, not what is asked. Pure.

"What is the difference between X and Y?", "Compare X and Y — when would you choose each?", "Z is too high — walk
through your debugging steps": two questions in one frame share those words whatever their subjects, so the words
of a frame carry no evidence that two questions are one. The frames are learned from the bank itself, so that any
bank's own phrasing is found:

- a question is cut into clauses (at `? ! ; :`, dashes and a full stop before a space);
- a clause's first one to `LONGEST` words are its leading n-grams;
- a leading n-gram is a **frame** when it opens a clause in at least `need = max(min_count, share × questions)`
  questions and it is an opening, not a subject: at least `min_count` different words follow it (or it is a whole
  clause in at least `need` questions: "what's the tradeoff").

`content` removes from each clause the longest frame it opens with; the lexical signals compare what is left.
"What is PagedAttention? How is it like virtual memory?" keeps "PagedAttention? like virtual memory?": "what is" and
"how is it" open many questions with many different words after them. "How does FlashAttention" is no frame: two
questions open with it, so a question about FlashAttention still matches another on the name.
"""

import math
import re
from collections import defaultdict
from dataclasses import dataclass

WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")
CLAUSE_END = re.compile(r"[?!;:—–]|\.(?=\s|$)|\s-\s")
LONGEST = 6  # words: the longest frame looked for ("what is the difference between" is five)


@dataclass(frozen=True)
class Frames:
    """The frames of a bank (tuples of lower-case words)."""

    openings: frozenset = frozenset()

    def __bool__(self) -> bool:
        return bool(self.openings)


NONE = Frames()


def clauses(text: str) -> list[tuple[int, list[tuple[str, int]]]]:
    """Return each clause of `text` as (its start, its first LONGEST words in lower case, each with its end offset)."""
    out, start = [], 0
    lowered = text.lower()
    for end in [m.end() for m in CLAUSE_END.finditer(lowered)] + [len(lowered)]:
        words = []
        for match in WORD.finditer(lowered, start, end):
            words.append((match.group().replace("’", "'"), match.end()))
            if len(words) == LONGEST:
                break
        if words:
            out.append((start, words))
        start = end
    return out


def learn(texts: list[str], min_count: int, share: float) -> Frames:
    """Return the frames of a bank of `texts` (see the module's docstring); `min_count` and `share` come from the settings
    (Settings.frame_min_count, frame_share), declared there only."""
    need = max(min_count, math.ceil(share * len(texts)))
    questions = defaultdict(set)  # n-gram → the questions it opens a clause of
    whole = defaultdict(set)  # n-gram → the questions where it is a whole clause
    following = defaultdict(set)  # n-gram → the words that follow it
    for index, text in enumerate(texts):
        for _, words in clauses(text):
            tokens = [word for word, _ in words]
            for n in range(1, len(tokens) + 1):
                gram = tuple(tokens[:n])
                questions[gram].add(index)
                if n < len(tokens):
                    following[gram].add(tokens[n])
                elif len(tokens) < LONGEST:
                    whole[gram].add(index)
    return Frames(
        frozenset(
            gram
            for gram, where in questions.items()
            if len(where) >= need and (len(following[gram]) >= min_count or len(whole[gram]) >= need)
        )
    )


def content(text: str, frames: Frames) -> str:
    """Return `text` without the longest frame each of its clauses opens with (`text` itself when nothing is left)."""
    if not frames:
        return text
    cuts = []  # (start, end) of each frame in `text`
    for start, words in clauses(text):
        tokens = [word for word, _ in words]
        for n in range(len(tokens), 0, -1):
            if tuple(tokens[:n]) in frames.openings:
                cuts.append((start, words[n - 1][1]))
                break
    if not cuts:
        return text
    kept, position = [], 0
    for cut_start, cut_end in cuts:
        kept.append(text[position:cut_start])
        position = cut_end
    kept.append(text[position:])
    left = " ".join("".join(kept).split())
    return left if WORD.search(left.lower()) else text
