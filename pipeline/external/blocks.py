"""The Markdown blocks every layout walks: the parser (CommonMark with GFM tables), inline text with its links, list
items and their own tokens, sections, and the split of a paragraph into its source lines. Pure."""

import re
import unicodedata
from dataclasses import dataclass

from pipeline.external.clean import (
    QUESTION_MARKS,
    SUB_LABEL,
    HtmlRun,
    Item,
    clean,
    gives_advice,
    looks_like_question,
    make_item,
    names_questions,
    numbered,
    question_share,
    unlabelled,
)

BREAK_TAG = re.compile(r"^<br\s*/?>$", re.IGNORECASE)


def is_break_tag(child) -> bool:
    """Return whether an inline token is a `<br>` tag (a line break written in HTML)."""
    return child.type == "html_inline" and BREAK_TAG.match(child.content) is not None


def parser():
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": True}).enable("table")


def inline_text(token, bold_only: bool = False, raw: bool = False) -> tuple[str, list[str], bool]:
    """Return (text, links, starts bold) of an inline token: emphasis, links, images and HTML reduced to their text.

    With `bold_only`, only the text inside the first bold span; with `raw`, the text is not cleaned (white space
    folded only), so that a difficulty marker can still be read from it.
    """
    parts, links, depth, seen_bold, starts_bold, html = [], [], 0, False, False, None
    for position, child in enumerate(token.children or []):
        kind = child.type
        if kind == "strong_open":
            if position == 0 or (position == 1 and not (token.children[0].content or "").strip()):
                starts_bold = True
            depth += 1
            continue
        if kind == "strong_close":
            depth -= 1
            if bold_only and depth == 0:
                seen_bold = True
            continue
        if bold_only and (depth == 0 or seen_bold):
            continue
        if kind in ("text", "code_inline"):
            parts.append(child.content)
        elif kind in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif kind == "link_open":
            href = child.attrs.get("href", "")
            if href and not href.startswith("#"):
                links.append(href)
        elif is_break_tag(child):  # `Q?<br>A`: a break, not a join
            parts.append(" ")
        elif kind == "html_inline":
            html = html or HtmlRun()
            text, more = html.feed(child.content)
            if text or more:
                html = None
                parts.append(text)
                links += more
        # images, emphasis markers: nothing
    text = "".join(parts)
    return (" ".join(text.split()) if raw else clean(text)), links, starts_bold


@dataclass
class Span:
    """A run of an inline token's children (one source line or more)."""

    children: list


def numbered_lines(token) -> list[tuple[int, Span]]:
    """Return an inline token split where a continuation line starts with its own number (`1. Q` / `**2. Q**`).

    CommonMark joins such a line to the paragraph before it (a lazy continuation); a bank means a new question.
    A line after one that ends the question (`?`), or after a line that is one bold span (`**Q? Give an example.**` /
    `An answer …`: the bold line is the question), starts a part too: the answer, which the caller drops unless it is
    numbered. Each part comes with its line offset within the token.
    """
    children = token.children or []
    # `last`: the last character of the part's text so far, emphasis markers and spaces aside. Kept as the children
    # pass, not joined again from the part's start at every break: that was quadratic in a paragraph's lines.
    # `shape`: whether the part so far is one bold span ("bold"), opens one ("opening"), or holds other text ("mixed").
    parts, offset, starts, last, shape = [], 0, [(0, 0)], "", ""
    for position, child in enumerate(children):
        if child.type in ("text", "code_inline"):
            last = child.content.rstrip(" *_")[-1:] or last
            if child.content.strip() and shape != "opening":
                shape = "mixed"
        elif child.type == "strong_open":
            shape = "opening" if shape == "" else "mixed" if shape != "opening" else shape
        elif child.type == "strong_close" and shape == "opening":
            shape = "bold"
        elif is_break_tag(child) and last in QUESTION_MARKS:  # `Q?<br>An answer`: the answer, on the same line
            starts.append((position + 1, offset))
            last, shape = "", ""
        elif child.type in ("softbreak", "hardbreak"):
            offset += 1
            following = "".join(c.content for c in children[position + 1 : position + 6] if c.type in ("text", "code_inline"))
            following = following.strip()
            if numbered(following)[0] is not None or SUB_LABEL.match(following) or last in QUESTION_MARKS or shape == "bold":
                starts.append((position + 1, offset))
                last, shape = "", ""
    for (begin, line), (end, _) in zip(starts, starts[1:] + [(len(children) + 1, 0)]):
        parts.append((line, Span(children[begin : end - 1] if end <= len(children) else children[begin:])))
    return parts


def title_index(tokens) -> int | None:
    """Return the index of the document's title: its first level-1 heading, unless that heading asks or is numbered
    and another level-1 heading does too (a bank that writes every question as `# Q1. …`), then there is none."""
    first = None
    for index, token in enumerate(tokens):  # stops at the first heading that settles it: most titles ask nothing
        if token.type == "heading_open" and token.tag == "h1" and token.level == 0:
            text = inline_text(tokens[index + 1], raw=True)[0]
            asks = looks_like_question(unlabelled(clean(text))) or numbered(text)[0] is not None
            if first is None and not asks:
                return index
            if first is not None and asks:
                return None
            first = index if first is None else first
    return first


def section_texts(tokens) -> dict[int, str]:
    """Return the text of each heading that opens a section, by its token's index (the title and headings inside
    containers aside): computed once per document, for every layout's walk (`walk_sections`)."""
    texts, title = {}, -1  # the title is looked for at the first level-1 heading: most tokens are none
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and token.level == 0:
            if title == -1 and token.tag == "h1":
                title = title_index(tokens)
            if index != title:
                texts[index] = inline_text(tokens[index + 1])[0]
    return texts


def walk_sections(tokens, texts: dict[int, str] | None = None):
    """Yield (index, token, section) for every token, tracking the current section heading (the title excluded);
    `texts` are the documents's `section_texts`, computed here if not given."""
    texts = section_texts(tokens) if texts is None else texts
    section = None
    for index, token in enumerate(tokens):
        yield index, token, section
        if index in texts:
            section = texts[index]


def _inside(tokens, index: int):
    """Yield (position, depth) for each token inside the list item opening at `index`, up to its close; depth 0 is the
    item's own tokens, 1 and more a nested item's (their `list_item_open` and `list_item_close` included). Walked by
    index: a slice would copy the rest of the file for every item."""
    depth = 0
    for position in range(index + 1, len(tokens)):
        kind = tokens[position].type
        if kind == "list_item_close" and depth == 0:
            return
        depth += kind == "list_item_open"
        yield position, depth
        depth -= kind == "list_item_close"


def own_tokens(tokens, index: int):
    """Yield the tokens of the list item opening at `index` that are its own (not a nested item's), up to its close."""
    return (tokens[position] for position, depth in _inside(tokens, index) if depth == 0)


def item_end(tokens, index: int) -> int:
    """Return the index of the `list_item_close` of the list item opening at `index`."""
    return max((position for position, _ in _inside(tokens, index)), default=index) + 1


def item_inline(tokens, index: int):
    """Return the inline token of the list item opening at `index` (its own first paragraph, or the first paragraph of
    a block quote that opens it), or None if it is empty.

    Only the item's own tokens are searched: an empty item (`1. ` alone) must not take the next item's text.
    """
    inline = next((token for token in own_tokens(tokens, index) if token.type == "inline"), None)
    quoted = index + 1 < len(tokens) and tokens[index + 1].type == "blockquote_open"  # `- > What is X?`
    return inline if inline is not None and inline.level == tokens[index].level + 2 + quoted else None


def empty_warning(token) -> str:
    return f"line {token.map[0] + 1}: an empty list item, skipped"


def line_spans(token) -> list[Span]:
    """Return an inline token's children split into its lines as shown (at each soft or hard break, and `<br>`)."""
    spans, current = [], []
    for child in token.children or []:
        if child.type in ("softbreak", "hardbreak") or is_break_tag(child):
            spans.append(Span(current))
            current = []
        else:
            current.append(child)
    return spans + [Span(current)]


def question_part(token) -> tuple[str, list[str], bool]:
    """Return (raw text, links, starts bold) of the question in an item whose answer may follow on its next lines.

    One line: all of it. More: up to the first question mark (a question may wrap over lines), or the first line.
    """
    lines = [inline_text(span, raw=True) for span in line_spans(token)]
    if len(lines) == 1:
        return lines[0]
    taken = []
    for text, links, starts_bold in lines:
        taken.append((text, links, starts_bold))
        marks = [text.find(mark) for mark in QUESTION_MARKS if mark in text]
        if marks:
            taken[-1] = (text[: min(marks) + 1], links, starts_bold)
            break
    else:
        taken = lines[:1]
    return " ".join(t for t, _, _ in taken), [link for _, links, _ in taken for link in links], taken[0][2]


FOLLOW_UP_SHARE = 0.8  # of the bullets under a question that must ask for them to be its follow-ups, not its answer


def follow_ups(tokens, indexes: list[int], section: str | None) -> list[Item]:
    """Return the questions of the list items opening at `indexes` (the bullets under one question) when at least 80%
    of them ask: its follow-up questions (`1. 딥러닝이란?` / `    - 왜 깊어야 하나요?`); none when they are its answer."""
    found = []
    for index in indexes:
        inline = item_inline(tokens, index)
        if inline is not None:
            text, links, _ = question_part(inline)
            found.append(make_item(section, None, text, tokens[index].map[0] + 1, links))
    return found if found and question_share([i.text for i in found]) >= FOLLOW_UP_SHARE else []


def holds_list(tokens, index: int) -> bool:
    """Return whether the list item opening at `index` holds a list of its own."""
    return any(token.type in ("bullet_list_open", "ordered_list_open") for token in own_tokens(tokens, index))


def part_starts(tokens) -> list[int]:
    """Return the lines (1-based) where a part of the document starts: every heading, a top-level table, and the
    line after a table. A bank that mixes layouts changes layout at one of these (a section of tables, then lists)."""
    starts = set()
    for token in tokens:
        if token.level == 0 and token.map and token.type == "heading_open":
            starts.add(token.map[0] + 1)
        elif token.level == 0 and token.map and token.type == "table_open":
            starts |= {token.map[0] + 1, token.map[1] + 1}
    return sorted(starts)


def top_headings(tokens) -> list[tuple[int, int, int]]:
    """Return (index, level, line) of each heading outside containers (1-based lines)."""
    return [
        (index, int(token.tag[1]), token.map[0] + 1)
        for index, token in enumerate(tokens)
        if token.type == "heading_open" and token.level == 0 and token.map
    ]


def scopes(tokens, names, headings: list[tuple[int, int, int]] | None = None) -> list[tuple[int, int]]:
    """Return the (first, last) lines of each part of the document under a heading `names` says yes to (its clean
    text), the title aside: from the heading to the line before the next heading as high or higher (1-based; the last
    line of the file is large)."""
    headings = top_headings(tokens) if headings is None else headings
    title, found = None, []
    for position, (index, depth, line) in enumerate(headings):
        raw = unicodedata.normalize("NFKC", tokens[index + 1].content)
        if not names(raw) or not names(clean(inline_text(tokens[index + 1])[0])):
            continue  # the raw text first: a heading that names nothing is not cleaned (12,000 headings)
        title = title_index(tokens) if title is None else title
        if index == title:
            continue
        end = next((other - 1 for _, level, other in headings[position + 1 :] if level <= depth), 1 << 30)
        found.append((line, end))
    return found


def within(line: int, parts: list[tuple[int, int]]) -> bool:
    """Return whether a line lies in one of the (first, last) parts (`scopes`, both ends included)."""
    return any(first <= line <= last for first, last in parts)


def question_scopes(tokens, headings: list[tuple[int, int, int]] | None = None) -> list[tuple[int, int]]:
    """Return the parts under a heading that names the questions (`## Sample Questions`, `## 面试题`), not one that
    asks (`## What questions will you face?`)."""
    return scopes(tokens, lambda text: names_questions(text) and not looks_like_question(text), headings)


def advice_scopes(tokens, headings: list[tuple[int, int, int]] | None = None) -> list[tuple[int, int]]:
    """Return the parts under a heading that gives advice, not questions (`## How to prepare`, `## 面试技巧`: though
    `How to …` looks like a question), unless it names questions too."""
    return scopes(tokens, lambda text: gives_advice(text) and not names_questions(text), headings)
