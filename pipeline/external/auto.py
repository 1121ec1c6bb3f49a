"""How a bank is read part by part, and `auto`'s choice of layouts, saying why. Pure.

A bank is cut into sections at its headings and around its top-level tables (`blocks.part_starts`). The principal
layout (for `auto`, the one whose items that look like questions, weighed by their share of its items, are the most
over the whole file, then the most questions, then the most items; ties: `LAYOUTS` order) keeps every section where it reads a question. A section
where it reads none goes to the layout that reads the most questions there, if at least 80% of what that layout reads
there looks like questions: a table section in a numbered bank, a numbered list between question headings. Then,
as before sections were read, a layout whose items all lie before or after every item read so far, at least 80% of
them questions, is read too (a list of bonus questions after the last one, with no heading between). Runs read in
one layout are reported as one part (`Part`), with its lines.

Layouts named in the registry (`table+numbered`) are read the same way, the first named as the principal.
"""

import bisect
import re
from dataclasses import dataclass

from pipeline.external.blocks import within
from pipeline.external.clean import Item, described, looks_like_question
from pipeline.external.layouts import FALLBACKS, LAYOUTS, PART_SEPARATOR

SECTION_SHARE = 0.8  # of a layout's items in a section (or before or after all the others) that look like questions
PLAIN_FACTOR, PLAIN_MIN = 3, 5  # a fallback layout reads a bank when it reads 3 times the questions and at least 5


@dataclass(frozen=True)
class Part:
    """A run of a bank's lines read in one layout: its first and last question's lines and how many it read."""

    layout: str
    first_line: int
    last_line: int
    questions: int


def asked(items: list[Item]) -> int:
    return sum(looks_like_question(i.text) for i in items)


def ranked(read: dict[str, tuple[list[Item], list[str]]]) -> list[str]:
    """Return the layouts best first: the most items that look like questions weighed by their share (questions ×
    share: 10 questions in 10 items beat 18 in 195, which are an answer's bullets), then the most questions, the most
    items; ties: LAYOUTS order (a layout that read nothing never comes before one that read something)."""

    def score(layout):
        items = read[layout][0]
        share = asked(items) / len(items) if items else 0.0
        return asked(items) * share, asked(items), len(items)

    return sorted(read, key=lambda layout: (tuple(-x for x in score(layout)), LAYOUTS.index(layout)))


def sections(starts: list[int]) -> list[int]:
    """Return the first line of each section a document's part starts cut it into (the first section starts at 1)."""
    return sorted({1, *starts})


def by_section(
    read: dict[str, tuple[list[Item], list[str]]], starts: list[int], order: list[str]
) -> list[tuple[str, list[Item]]]:
    """Return, per section, the layout that reads it and what it reads there: the principal (`order[0]`) where it
    reads a question, else the layout of `order` that reads the most questions there (ties: `order`) when at least
    80% of its items there look like questions, else the principal."""
    firsts = sections(starts)
    there = {layout: [[] for _ in firsts] for layout in order}  # each layout's items, by section
    for layout in order:
        for item in read[layout][0]:
            there[layout][bisect.bisect_right(firsts, item.source_line) - 1].append(item)
    chosen = []
    for index in range(len(firsts)):
        layout = order[0]
        if not asked(there[layout][index]):
            best = max(order[1:], key=lambda other: asked(there[other][index]), default=None)
            if best and asked(there[best][index]) and asked(there[best][index]) >= SECTION_SHARE * len(there[best][index]):
                layout = best
        chosen.append((layout, there[layout][index]))
    return chosen


def beyond(read: dict[str, tuple[list[Item], list[str]]], chosen: list[tuple[str, list[Item]]], order: list[str]):
    """Return `chosen` with each other layout of `order` whose items all lie before or after every item chosen so far,
    at least 80% of them questions, added (in line order)."""
    chosen = [c for c in chosen if c[1]]
    lines = [i.source_line for _, items in chosen for i in items]
    for layout in order[1:]:
        items = read[layout][0]
        if not lines or not items or asked(items) < SECTION_SHARE * len(items):
            continue
        first, last = min(lines), max(lines)  # once, not once per item: that was quadratic
        if all(i.source_line < first or i.source_line > last for i in items):
            chosen.append((layout, items))
            lines += [i.source_line for i in items]
    return sorted(chosen, key=lambda c: c[1][0].source_line)


def parts_of(chosen: list[tuple[str, list[Item]]]) -> list[Part]:
    """Return the parts: runs of sections read in one layout (sections where nothing was read do not break a run)."""
    parts: list[Part] = []
    for layout, items in chosen:
        if not items:
            continue
        if parts and parts[-1].layout == layout:
            last = parts.pop()
            parts.append(Part(layout, last.first_line, items[-1].source_line, last.questions + len(items)))
        else:
            parts.append(Part(layout, items[0].source_line, items[-1].source_line, len(items)))
    return parts


def joined(parts: list[Part], principal: str) -> str:
    """Return the layouts of `parts` in the order they first appear, joined by `+` (the principal if none read)."""
    return PART_SEPARATOR.join(dict.fromkeys(p.layout for p in parts)) or principal


NOT_WORD = re.compile(r"[\W_]+")


def text_key(text: str) -> str:
    """Return what two writings of one question share: its letters and digits, case-folded. Pure."""
    return NOT_WORD.sub("", text.casefold())


def once(chosen: list[tuple[str, list[Item]]]) -> list[tuple[str, list[Item]]]:
    """Return `chosen` (layout, items) without a question another layout already read earlier in the file: a bank that
    lists its questions and then repeats each as its answer's heading asks each once. Repeats read by one layout (a
    list that asks a question twice) stay: the bank wrote them twice. Pure."""
    first: dict[str, str] = {}  # a question's key → the layout that read it first
    keys = {id(item): text_key(item.text) for _, items in chosen for item in items}
    for layout, items in sorted(chosen, key=lambda c: min((i.source_line for i in c[1]), default=0)):
        for item in items:
            first.setdefault(keys[id(item)], layout)
    return [(layout, [i for i in items if first[keys[id(i)]] == layout]) for layout, items in chosen]


def read_parts(
    read: dict[str, tuple[list[Item], list[str]]], starts: list[int], order: list[str]
) -> tuple[list[Item], list[str], list[Part]]:
    """Return (items in line order, warnings of the layouts used, parts): the bank read section by section."""
    chosen = once(beyond(read, by_section(read, starts, order), order))
    parts = parts_of(chosen)
    items, lines = [], set()
    for _, section_items in chosen:
        for item in section_items:
            if item.source_line not in lines:
                items.append(item)
                lines.add(item.source_line)
    used = {p.layout for p in parts} or {order[0]}
    warnings = [w for layout in order if layout in used for w in read[layout][1]]
    return sorted(items, key=lambda i: i.source_line), warnings, parts


def framed(items: list[Item]) -> tuple[list[Item], list[int]]:
    """Return (`items` without the introduction and the afterword, the lines dropped): in a bank where at least 80%
    of the items read look like questions, an item before the first of them or after the last, in a section where no
    item asks (`Made by …`, `How to use this guide`, `How to prepare`), is the document's, not a question. Pure."""
    asks = [looks_like_question(i.text) for i in items]
    if not items or sum(asks) < SECTION_SHARE * len(items):
        return items, []
    lines = [i.source_line for i, a in zip(items, asks) if a]
    first, last = min(lines), max(lines)
    asking_sections = {i.section for i, a in zip(items, asks) if a}
    inside = [i.section in asking_sections or first <= i.source_line <= last for i in items]
    return [i for i, keep in zip(items, inside) if keep], [i.source_line for i, keep in zip(items, inside) if not keep]


INTRODUCTION_SHARE = 0.5  # an introduction before the questions' heading: under half of its items ask


def introduced(items: list[Item], scopes: list[tuple[int, int]]) -> tuple[list[Item], list[int]]:
    """Return (`items` without the introduction, the lines dropped): when the document names where its questions stand
    (`## Sample Questions`: `scopes`, from `blocks.question_scopes`) and at least 5 items stand there, the items before
    the first such heading and outside every such part, fewer than half of which ask, are the document's guide, not
    its questions (a system-design guide of 158 bullets before its 38 prompts). Pure."""
    inside = [within(i.source_line, scopes) for i in items]
    if sum(inside) < PLAIN_MIN:
        return items, []
    start = min(first for first, _ in scopes)
    before = [not within and i.source_line < start for i, within in zip(items, inside)]
    guide = [i for i, out in zip(items, before) if out]
    if not guide or asked(guide) >= INTRODUCTION_SHARE * len(guide):
        return items, []
    return [i for i, out in zip(items, before) if not out], [i.source_line for i in guide]


def spans(parts: list[Part]) -> str:
    """Return the parts in words: `table lines 7–11 (5 items), bold-bullets lines 25–27 (3 items)`."""
    return ", ".join(
        f"{p.layout} lines {p.first_line}–{p.last_line} ({p.questions} item{'s' * (p.questions != 1)})" for p in parts
    )


def choose(
    read: dict[str, tuple[list[Item], list[str]]], starts: list[int]
) -> tuple[list[str], tuple[list[Item], list[str], list[Part]], str]:
    """Return (the layouts best first, what `read_parts` reads with the first as principal, why): `why` names the
    principal, the parts it read in which layout and every layout weighed. A fallback layout (`FALLBACKS`: plain
    paragraphs that ask) is not weighed; it becomes the principal when it reads at least 5 questions and 3 times what
    the others read together (a bank of 138 plain-paragraph questions, 15 of them bold)."""
    weighed = {layout: read[layout] for layout in read if layout not in FALLBACKS}
    order = ranked(weighed)
    reading = read_parts(weighed, starts, order)
    fell_back = ""
    for fallback in FALLBACKS:
        found, others = asked(read.get(fallback, ([], []))[0]), asked(reading[0])
        if found >= PLAIN_MIN and found >= PLAIN_FACTOR * others:
            order = [fallback, *order]
            reading = read_parts({fallback: read[fallback], **weighed}, starts, order)
            fell_back = f" (a fallback: {found} questions, the other layouts {others})"
            break
    listing = "; ".join(
        f"{layout}{' (a fallback)' * (layout in FALLBACKS)}: {described(read[layout][0])}" for layout in LAYOUTS if layout in read
    )
    by_part = f"; parts: {spans(reading[2])}" if reading[2] else ""
    return order, reading, f"auto chose {order[0]}{fell_back}: {described(read[order[0]][0])}{by_part} — weighed {listing}"
