"""Read the questions of a Markdown question bank. Pure: text in, rows out.

The text is parsed with a CommonMark parser (markdown-it-py, with GFM tables) and HTML blocks with an HTML parser;
each layout is a module of `pipeline/external/layouts/` over the resulting block tokens, sharing the text rules of
`clean.py` and the block helpers of `blocks.py`; `auto.py` chooses:

- `numbered`: top-level numbered items (`1. Q`, `1. **Q**`) and paragraphs that start with a number (`**3.** Q`,
  `**2. Q**`); lists nested under an item are its answer;
- `headings`: headings are questions (those at `question_level`, or, without one, the numbered or question-like
  ones; a numbered heading at another level is a question too, with a warning); the other headings are sections;
- `table`: one question per row of a GFM table; the question column is `question_column` (a header name or a
  1-based number) or the column headed like "question", else the column whose cells look most like questions;
- `details`: the `<summary>` of each `<details>` block;
- `bold-paragraphs`: paragraphs that are one bold span (a difficulty emoji after it is dropped);
- `bold-bullets`: top-level bullet items that start with a bold span (links to anchors, a table of contents, are not);
- `bullets`: plain bullet items at any depth; a bullet that holds a list and is no question is a topic (the section of
  the items under it), and the bullets under a question are its answer;
- `auto`: every layout above, section by section (`auto.py`): the one that reads the most items that look like
  questions reads every section where it finds a question; a section where it finds none (a table section, a
  numbered list between question headings) goes to the layout that reads the most questions there; it says why.

Layouts join with `+` (`table+numbered`): the bank is read section by section as `auto` reads it, among the named
layouts only, the first named as the principal; items are merged in line order. An item whose
first line is the question and whose next lines are the answer (no blank line between) keeps only the question: up
to its first question mark, or its first line.

Question text comes out clean: NFKC-normalised (`𝐇𝐨𝐰` is `How`, `？` is `?`), no emphasis, link, HTML or image markup;
link targets go to `links`; a difficulty marker (`[HARD]`, `(Easy)`, 🟢 🟡 🔴) goes to `difficulty`. The first
level-1 heading is the document's title, not a section. Code blocks, images and tables of contents are never read.
"""

import re
import unicodedata
from typing import NamedTuple

from pipeline.errors import InputError
from pipeline.external.auto import Part, choose, framed, introduced, joined, read_parts, text_key
from pipeline.external.blocks import (
    advice_scopes,
    parser,
    part_starts,
    question_scopes,
    section_texts,
    top_headings,
    within,
)
from pipeline.external.clean import (
    Item,
    described,
    is_answer,
    is_reading_list,
    is_signpost,
    is_topic_entry,
    looks_like_question,
    worded,
)
from pipeline.external.layouts import FALLBACKS, LAYOUTS, PART_SEPARATOR, READERS, SUPPLEMENTS
from pipeline.limits import LINE_MAX_CHARS, QUESTION_MAX_CHARS, READING_CONFIDENCE

CHOICES = LAYOUTS + ("auto",)


TITLE_COUNT = re.compile(
    r"(?<!\d)(\d++)\s*+(?:\+\s*+)?(?:[^\d\s]++\s++){0,4}?(?:questions?|qs|q&as?|题|道题|問|問題|문제|문항|preguntas|fragen|questões|perguntas|вопрос\w*)(?!\w)",
    re.IGNORECASE,
)


def checked_lines(text: str) -> str:
    """Return `text` if no line is over the line limit; InputError naming the first line that is."""
    for line_no, line in enumerate(text.split("\n"), start=1):
        if len(line) > LINE_MAX_CHARS:
            raise InputError(
                f"the line is {len(line):,} characters, over the limit of {LINE_MAX_CHARS:,} (docs/reliability.md)", line=line_no
            )
    return text


def checked_items(items: list[Item]) -> list[Item]:
    """Return `items` if no question is over the question limit; InputError naming the line of the first that is."""
    for item in items:
        if len(item.text) > QUESTION_MAX_CHARS:
            raise InputError(
                f"the question is {len(item.text):,} characters, over the limit of {QUESTION_MAX_CHARS:,} (docs/reliability.md)",
                line=item.source_line,
            )
    return items


def read_layouts(
    text: str, options: dict | None = None, told: tuple[str, ...] = ()
) -> tuple[dict[str, tuple[list[Item], list[str]]], list[int], list[tuple[int, int]]]:
    """Return what each layout, and each supplement, reads from `text` ((items, warnings) by name; the Markdown is
    parsed once), the lines where the document's parts start (`blocks.part_starts`) and the parts under a heading that
    names the questions (`blocks.question_scopes`). An item with no words (`...`,
    a placeholder) is skipped with a warning. A layout that cannot read the text (a question column the table lacks)
    read nothing and says why in its warnings, unless it is one the registry named (`told`): InputError."""
    tokens = parser().parse(unfenced(without_front_matter(text.removeprefix("\ufeff"))))
    options = {**(options or {}), "sections": section_texts(tokens)}  # every layout walks the same sections
    headings = top_headings(tokens)
    advice = advice_scopes(tokens, headings)  # a section of advice holds no question, whatever its items say
    out = {}
    for layout in LAYOUTS:
        try:
            items, warnings = READERS[layout](tokens, options)
        except InputError as error:
            if layout in told:
                raise
            items, warnings = [], [str(error.message)]
        placeholders = [i for i in items if not worded(i.text)]
        out[layout] = (
            [
                i
                for i in items
                if worded(i.text)
                and not is_signpost(i.text)
                and not is_reading_list(i.section)
                and not is_topic_entry(i.section, i.text)
                and not is_answer(i.text)
                and not within(i.source_line, advice)
            ],
            warnings + [f"line {i.source_line}: an item with no words ({i.text!r}), skipped" for i in placeholders],
        )
    for name, reader in SUPPLEMENTS.items():
        out[name] = ([i for i in reader(tokens, options)[0] if not within(i.source_line, advice)], [])
    return out, part_starts(tokens), question_scopes(tokens, headings)


FRONT_MATTER_LINES = 200  # a front matter block closes within this many lines, or it is none


def without_front_matter(text: str) -> str:
    """Return `text` with its YAML (`---`) or TOML (`+++`) front matter emptied, its lines kept (`title: …` under
    `---` would read as a heading, `layout: single` as text). Pure."""
    lines = text.split("\n", FRONT_MATTER_LINES + 1)
    fence = lines[0].rstrip("\r")
    if fence not in ("---", "+++"):
        return text
    close = next((n for n in range(1, min(len(lines), FRONT_MATTER_LINES)) if lines[n].rstrip("\r") in (fence, "...")), None)
    if close is None:
        return text
    return "\n" * (close + 1) + text.split("\n", close + 1)[close + 1] if len(lines) > close + 1 else "\n" * close


PROSE_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})[ \t]*(?:text|txt|plain|plaintext|markdown|md)[ \t]*$", re.IGNORECASE)


def unfenced(text: str) -> str:
    """Return `text` with the fences of each block fenced as prose (```` ```text ````, ```` ```markdown ````) emptied, their
    lines kept: an interview log pasted as text (`1.微调细节…` / `2.…`) is read as written, while code blocks (any other
    language, or none) are never read. Pure; one pass."""
    lines, opened = text.split("\n"), None
    for number, line in enumerate(lines):
        if opened is None:
            match = PROSE_FENCE.match(line)
            if match:
                opened = (number, match.group(1))
        elif line.strip().startswith(opened[1]) and not line.strip().strip(opened[1][0]):
            lines[opened[0]] = lines[number] = ""
            opened = None
    return "\n".join(lines)


def is_layout(layout: str) -> bool:
    """Return whether `layout` is `auto`, a layout, or layouts joined by `+`."""
    return layout == "auto" or all(part in LAYOUTS for part in layout.split(PART_SEPARATOR))


def title_count(text: str) -> int | None:
    """Return the number of questions a bank's title states ("63 questions", "120 题", "(6 题)"), or None."""
    for token_index, token in enumerate(tokens := parser().parse(without_front_matter(text.removeprefix("\ufeff")))):
        if token.type == "heading_open":
            match = TITLE_COUNT.search(unicodedata.normalize("NFKC", tokens[token_index + 1].content))
            return int(match.group(1)) if match else None
    return None


class Reading(NamedTuple):
    """What was read from a bank: its question rows, the layouts used (`table+numbered`), why, warnings, which
    layout read which lines (`auto.Part`, in line order), how sure the reader is (`confidence`) and the lines in doubt."""

    rows: list[dict]
    layout: str
    why: str
    warnings: list[str]
    parts: list[Part]
    confidence: float = 1.0
    doubts: tuple[int, ...] = ()


CONFIDENCE_LEVEL = READING_CONFIDENCE  # below it, make all warns, naming the bank and the lines in doubt
DOUBTS_SHOWN = 20


def confidence(read: dict[str, tuple[list[Item], list[str]]], items: list[Item]) -> tuple[float, tuple[int, ...]]:
    """Return how sure a reading is, and the lines in doubt: the lower of the share of the items read that look like
    questions, and the share of the blocks any layout reads as question-like that were read (a question-like line no
    layout chose is a question missed, or an answer's). Pure."""
    read_lines, read_keys = {i.source_line for i in items}, {text_key(i.text) for i in items}
    asking = {  # a question-like block repeating one that was read (its answer's heading) was not missed
        i.source_line
        for layout_items, _ in read.values()
        for i in layout_items
        if looks_like_question(i.text) and (i.source_line in read_lines or text_key(i.text) not in read_keys)
    }
    plain = sorted(i.source_line for i in items if not looks_like_question(i.text))
    unread = sorted(asking - read_lines)
    share_read = 1 - len(plain) / len(items) if items else 0.0
    share_found = len(asking & read_lines) / len(asking) if asking else 1.0
    doubts = plain if share_read <= share_found else unread
    return round(min(share_read, share_found), 3), tuple(doubts[:DOUBTS_SHOWN])


def parse_bank(text: str, layout: str, question_level: int | None = None, question_column=None) -> list[dict]:
    """Return one row per question (section, number, text, links, source_line) read in `layout`."""
    return read_bank(text, layout, question_level, question_column).rows


def supplemented(items: list[Item], extra: list[Item]) -> list[Item]:
    """Return `items` with the supplements' questions (follow-ups) that no layout read already, by line or by words,
    in line order. Pure."""
    lines, keys, added = {i.source_line for i in items}, {text_key(i.text) for i in items}, []
    for item in extra:
        key = text_key(item.text)
        if item.source_line not in lines and key not in keys:
            added.append(item)
            keys.add(key)
    return sorted(items + added, key=lambda i: i.source_line) if added else items


def dropped(lines: list[int], why: str) -> list[str]:
    """Return the warning for the items on `lines` that were read but are not questions (none for none)."""
    count = f"{len(lines)} item{'s' * (len(lines) != 1)}"
    return [f"lines {lines[0]}–{lines[-1]}: {count} {why}"] if lines else []


def read_bank(text: str, layout: str, question_level: int | None = None, question_column=None) -> Reading:
    """Return what `text` holds read in `layout` (`auto`: the layouts auto chooses, section by section, and why)."""
    if not is_layout(layout):
        raise InputError(f"unknown layout {layout!r}; known: {', '.join(CHOICES)}, or layouts joined by + (table+numbered)")
    options = {"question_level": question_level, "question_column": question_column}
    checked_lines(text)
    told = () if layout == "auto" else tuple(dict.fromkeys(layout.split(PART_SEPARATOR)))
    read, starts, scopes = read_layouts(text, options, told)  # every layout: the named read, the others weigh the confidence
    extra = [item for name in SUPPLEMENTS for item in read.pop(name)[0]]
    if layout == "auto":
        order, (items, warnings, parts), why = choose(read, starts)
    else:
        order, named = list(told), {name: read[name] for name in told}
        why = f"{layout} (from the registry): " + "; ".join(
            (f"{part}: " if len(named) > 1 else "") + described(named[part][0]) for part in named
        )
        items, warnings, parts = read_parts(named, starts, order)
    items, framing = framed(supplemented(items, extra))
    warnings = warnings + dropped(
        framing,
        "before the first question or after the last, in sections that ask nothing, not read as questions (an "
        "introduction or an afterword)",
    )
    items, guide = introduced(items, scopes)
    warnings = warnings + dropped(
        guide,
        "before the heading that names the questions, fewer than half of them asking, not read as questions (the "
        "document's introduction)",
    )
    checked_items(items)
    rows = [
        {
            "section": i.section,
            "number": i.number,
            "text": i.text,
            "links": " ".join(i.links) or None,
            "source_line": i.source_line,
            "difficulty": i.difficulty,
        }
        for i in items
    ]
    unused = [name for name in FALLBACKS if name not in order]  # a fallback not read from says nothing of the reading
    weighed = {name: found for name, found in read.items() if name not in unused}
    return Reading(rows, joined(parts, order[0]), why, warnings, parts, *confidence(weighed, items))
