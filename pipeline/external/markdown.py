"""Read the questions of a Markdown question bank. Pure: text in, rows out.

The text is parsed with a CommonMark parser (markdown-it-py, with GFM tables) and HTML blocks with an HTML parser;
each layout is a small function over the resulting block tokens:

- `numbered`: top-level numbered items (`1. Q`, `1. **Q**`) and paragraphs that start with a number (`**3.** Q`,
  `**2. Q**`); lists nested under an item are its answer;
- `headings`: headings are questions (those at `question_level`, or, without one, the numbered or question-like
  ones; a numbered heading at another level is a question too, with a warning); the other headings are sections;
- `table`: one question per row of a GFM table; the question column is `question_column` (a header name or a
  1-based number) or the column headed like "question", else the column whose cells look most like questions;
- `details`: the `<summary>` of each `<details>` block;
- `bold-paragraphs`: paragraphs that are one bold span (a difficulty emoji after it is dropped);
- `bold-bullets`: top-level bullet items that start with a bold span (links to anchors, a table of contents, are not);
- `auto`: every layout above, keeping the one that reads the most items that look like questions (it says why).

Question text comes out clean: no emphasis, link, HTML or image markup; link targets go to `links`. The first
level-1 heading is the document's title, not a section. Code blocks, images and tables of contents are never read.
"""

import html.parser
import re
from dataclasses import dataclass, field

from pipeline.errors import InputError
from pipeline.limits import LINE_MAX_CHARS, QUESTION_MAX_CHARS

LAYOUTS = ("numbered", "headings", "table", "details", "bold-paragraphs", "bold-bullets")
CHOICES = LAYOUTS + ("auto",)
OPENERS = frozenset(
    "what why how when which who whom whose where is are was were can could should would will do does did has have "
    "explain describe compare contrast design discuss define list name give walk estimate derive implement write "
    "outline suggest propose tell state summarize summarise evaluate analyze analyse identify provide illustrate "
    "differentiate distinguish elaborate mention justify calculate build create imagine suppose".split()
)
NUMBER = re.compile(r"^(?:Q\s*)?(\d+)\s*[.):]\s+(.*)$", re.IGNORECASE)
NUMBER_CELL = re.compile(r"^(?:Q\s*)?#?\s*(\d+)[.)]?$", re.IGNORECASE)
TRAILING_SYMBOLS = re.compile(r"[\s\u2000-\u2bff\U0001F000-\U0001FFFF\ufe0f\u200d*_]+$")
STRAY_MARKERS = re.compile(r"(?<![\w*])[*_]{2,}|[*_]{2,}(?![\w*])")
SOURCE_TAIL = re.compile(r"(?<=[?.!:])\s*[\[(]\s*[\[(]?[^\[\]()]{0,30}[\])]?\s*[\])]$")  # `… ? [[src](url)]` leaves `[src]`


@dataclass
class Item:
    """One question read from a bank."""

    section: str | None
    number: int | None
    text: str
    source_line: int
    links: list = field(default_factory=list)


def _parser():
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": True}).enable("table")


class _TextOnly(html.parser.HTMLParser):
    """Collect the text of an HTML fragment (tags dropped, entities decoded), and the links' targets."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self.links = [], []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href")
        if tag == "a" and href and not href.startswith("#"):
            self.links.append(href)

    def handle_data(self, data):
        self.parts.append(data)


def strip_html(fragment: str) -> tuple[str, list[str]]:
    """Return the text of an HTML fragment and its links' targets."""
    parser = _TextOnly()
    parser.feed(fragment)
    parser.close()
    return "".join(parser.parts), parser.links


def clean(text: str) -> str:
    """Return `text` with white space folded, stray emphasis markers and trailing emoji or symbols removed."""
    text = STRAY_MARKERS.sub("", " ".join(text.split()))
    text = TRAILING_SYMBOLS.sub("", text).strip() if text else text
    return SOURCE_TAIL.sub("", text).strip()


def inline_text(token, bold_only: bool = False) -> tuple[str, list[str], bool]:
    """Return (text, links, starts bold) of an inline token: emphasis, links, images and HTML reduced to their text.

    With `bold_only`, only the text inside the first bold span.
    """
    parts, links, depth, seen_bold, starts_bold, html_parts = [], [], 0, False, False, []
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
        elif kind == "html_inline":
            html_parts.append(child.content)
            text, more = strip_html("".join(html_parts))
            if text or more:
                html_parts = []
                parts.append(text)
                links += more
        # images, emphasis markers: nothing
    return clean("".join(parts)), links, starts_bold


@dataclass
class _Span:
    """A run of an inline token's children (one source line or more)."""

    children: list


def numbered_lines(token) -> list[tuple[int, _Span]]:
    """Return an inline token split where a continuation line starts with its own number (`1. Q` / `**2. Q**`).

    CommonMark joins such a line to the paragraph before it (a lazy continuation); a bank means a new question.
    A line after one that ends the question (`?`) starts a part too: the answer, which the caller drops unless it is
    numbered. Each part comes with its line offset within the token.
    """
    children = token.children or []
    parts, offset, starts = [], 0, [(0, 0)]
    for position, child in enumerate(children):
        if child.type == "softbreak":
            offset += 1
            following = "".join(c.content for c in children[position + 1 : position + 4] if c.type in ("text", "code_inline"))
            before = "".join(c.content for c in children[starts[-1][0] : position] if c.type in ("text", "code_inline")).rstrip(" *_")
            if NUMBER.match(following.strip()) or before.endswith("?"):
                starts.append((position + 1, offset))
    for (begin, line), (end, _) in zip(starts, starts[1:] + [(len(children) + 1, 0)]):
        parts.append((line, _Span(children[begin : end - 1] if end <= len(children) else children[begin:])))
    return parts


def looks_like_question(text: str) -> bool:
    """Return whether an item reads as a question: it ends with `?` or opens with an interrogative or imperative word."""
    words = re.findall(r"[A-Za-z']+", text)
    return text.rstrip().endswith("?") or (bool(words) and words[0].lower() in OPENERS)


def _numbered(text: str) -> tuple[int | None, str]:
    match = NUMBER.match(text)
    return (int(match.group(1)), match.group(2).strip()) if match else (None, text)


def _walk_sections(tokens):
    """Yield (index, token, section) for every token, tracking the current section heading (the title excluded)."""
    section, title_seen = None, False
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and token.level == 0:
            text = inline_text(tokens[index + 1])[0]
            if token.tag == "h1" and not title_seen:
                title_seen = True
            else:
                yield index, token, section
                section = text
                continue
        yield index, token, section


def read_numbered(tokens, options: dict) -> tuple[list[Item], list[str]]:
    items = []
    for index, token, section in _walk_sections(tokens):
        if token.type == "list_item_open" and token.level == 1 and token.info:  # a top-level numbered item
            inline = next((t for t in tokens[index:] if t.type == "inline"), None)
            if inline is None or inline.level != 3:
                continue
            for offset, span in numbered_lines(inline):
                text, links, _ = inline_text(span)
                number, body = (int(token.info), text) if offset == 0 else _numbered(text)
                if body and number is not None:  # a later part without its own number is the answer
                    items.append(Item(section, number, clean(body), inline.map[0] + 1 + offset, links))
        elif token.type == "inline" and token.level == 1 and tokens[index - 1].type == "paragraph_open":
            for offset, span in numbered_lines(token):
                text, links, _ = inline_text(span)
                number, body = _numbered(text)
                if number is not None and body:
                    items.append(Item(section, number, clean(body), token.map[0] + 1 + offset, links))
    return items, []


def read_headings(tokens, options: dict) -> tuple[list[Item], list[str]]:
    level = options.get("question_level")
    items, warnings, section, title_seen = [], [], None, False
    for index, token in enumerate(tokens):
        if token.type != "heading_open":
            continue
        text, links, _ = inline_text(tokens[index + 1])
        depth = int(token.tag[1])
        number, body = _numbered(text)
        if depth == 1 and not title_seen and level != 1:
            title_seen = True
            continue
        is_question = depth == level if level else (number is not None or looks_like_question(text))
        if level and depth != level and number is not None and depth > 1:
            is_question = True
            warnings.append(f"line {token.map[0] + 1}: a numbered heading at level {depth} among questions at level {level}: read as a question")
        if is_question:
            items.append(Item(section, number, clean(body), token.map[0] + 1, links))
        else:
            section = text
    return items, warnings


def _table_rows(tokens, start: int):
    """Yield (line, [cell inline tokens], is_header) for the table opening at `start`."""
    row, line, header = [], None, False
    for token in tokens[start + 1 :]:
        if token.type == "table_close":
            return
        if token.type == "tr_open":
            row, line = [], token.map[0] + 1
        elif token.type == "thead_open":
            header = True
        elif token.type == "tbody_open":
            header = False
        elif token.type == "inline":
            row.append(token)
        elif token.type == "tr_close":
            yield line, row, header


def _question_column(header: list[str], body: list[list[str]], wanted) -> int:
    if wanted:
        if str(wanted).isdigit():
            return int(wanted) - 1
        names = [h.lower() for h in header]
        if str(wanted).lower() in names:
            return names.index(str(wanted).lower())
        raise InputError(f"no column {wanted!r} in the table (columns: {', '.join(header)})")
    for i, name in enumerate(header):
        if "question" in name.lower() or name.lower() in ("q", "prompt"):
            return i
    scores = [sum(looks_like_question(row[i]) for row in body if i < len(row)) for i in range(len(header))]
    return max(range(len(header)), key=lambda i: (scores[i], -i))


def read_table(tokens, options: dict) -> tuple[list[Item], list[str]]:
    items = []
    for index, token, section in _walk_sections(tokens):
        if token.type != "table_open":
            continue
        rows = list(_table_rows(tokens, index))
        header = [inline_text(cell)[0] for line, cells, is_header in rows if is_header for cell in cells]
        body = [(line, [inline_text(cell) for cell in cells]) for line, cells, is_header in rows if not is_header]
        if not header or not body:
            continue
        column = _question_column(header, [[c[0] for c in cells] for _, cells in body], options.get("question_column"))
        number_column = next((i for i, h in enumerate(header) if h.strip().lower() in ("#", "no", "no.", "nr", "number", "id", "q#")), None)
        for line, cells in body:
            if column >= len(cells) or not cells[column][0]:
                continue
            number = None
            if number_column is not None and number_column < len(cells):
                match = NUMBER_CELL.match(cells[number_column][0])
                number = int(match.group(1)) if match else None
            elif cells and column > 0:
                match = NUMBER_CELL.match(cells[0][0])
                number = int(match.group(1)) if match else None
            text_number, body_text = _numbered(cells[column][0])
            items.append(Item(section, number if number is not None else text_number, clean(body_text), line, cells[column][1]))
    return items, []


class _Summaries(html.parser.HTMLParser):
    """Collect the text of every <summary> element of an HTML fragment, with its line within the fragment."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.summaries, self.depth, self.parts, self.links, self.line = [], 0, [], [], 0

    def handle_starttag(self, tag, attrs):
        if tag == "summary":
            self.depth, self.parts, self.links, self.line = self.depth + 1, [], [], self.getpos()[0]
        elif tag == "a" and self.depth and dict(attrs).get("href", "#")[:1] not in ("#", ""):
            self.links.append(dict(attrs)["href"])

    def handle_endtag(self, tag):
        if tag == "summary" and self.depth:
            self.depth -= 1
            self.summaries.append(("".join(self.parts), self.links, self.line))

    def handle_data(self, data):
        if self.depth:
            self.parts.append(data)


def read_details(tokens, options: dict) -> tuple[list[Item], list[str]]:
    items, markdown = [], _parser()
    for index, token, section in _walk_sections(tokens):
        if token.type == "html_block" and "<summary" in token.content.lower():
            parser = _Summaries()
            parser.feed(token.content)
            parser.close()
            for text, links, line in parser.summaries:
                inline = markdown.parseInline(" ".join(text.split()))  # Markdown written inside the summary (`_emphasis_`, links)
                text, more, _ = inline_text(inline[0]) if inline else ("", [], False)
                number, body = _numbered(text)
                if body:
                    items.append(Item(section, number, clean(body), token.map[0] + line, links + more))
    return items, []


def read_bold_paragraphs(tokens, options: dict) -> tuple[list[Item], list[str]]:
    items = []
    for index, token, section in _walk_sections(tokens):
        if token.type == "inline" and token.level == 1 and tokens[index - 1].type == "paragraph_open":
            bold, links, starts_bold = inline_text(token, bold_only=True)
            whole = inline_text(token)[0]
            if starts_bold and bold and clean(whole) == clean(bold):  # the paragraph is one bold span (and a trailing symbol)
                number, body = _numbered(bold)
                items.append(Item(section, number, clean(body), token.map[0] + 1, links))
    return items, []


def read_bold_bullets(tokens, options: dict) -> tuple[list[Item], list[str]]:
    items = []
    for index, token, section in _walk_sections(tokens):
        if token.type == "list_item_open" and token.level == 1 and not token.info:  # a top-level bullet item
            inline = next((t for t in tokens[index:] if t.type == "inline"), None)
            if inline is None or inline.level != 3:
                continue
            bold, links, starts_bold = inline_text(inline, bold_only=True)
            if starts_bold and bold:
                number, body = _numbered(bold)
                items.append(Item(section, number, clean(body), token.map[0] + 1, links))
    return items, []


READERS = {"numbered": read_numbered, "headings": read_headings, "table": read_table, "details": read_details,
           "bold-paragraphs": read_bold_paragraphs, "bold-bullets": read_bold_bullets}  # fmt: skip


def question_share(texts: list[str]) -> float:
    """Return the share of texts that look like questions (0.0 for none: reading nothing is no evidence)."""
    return sum(map(looks_like_question, texts)) / len(texts) if texts else 0.0


def described(items: list[Item]) -> str:
    """Return what a layout read, in words: `12 items, 11 look like questions (92%)`, or `no items`."""
    if not items:
        return "no items"
    asked = sum(looks_like_question(i.text) for i in items)
    return f"{len(items)} item{'s' * (len(items) != 1)}, {asked} look{'s' * (asked == 1)} like questions ({asked / len(items):.0%})"


def checked_lines(text: str) -> str:
    """Return `text` if no line is over the line limit; InputError naming the first line that is."""
    for line_no, line in enumerate(text.split("\n"), start=1):
        if len(line) > LINE_MAX_CHARS:
            raise InputError(f"the line is {len(line):,} characters, over the limit of {LINE_MAX_CHARS:,} (docs/reliability.md)", line=line_no)
    return text


def checked_items(items: list[Item]) -> list[Item]:
    """Return `items` if no question is over the question limit; InputError naming the line of the first that is."""
    for item in items:
        if len(item.text) > QUESTION_MAX_CHARS:
            raise InputError(f"the question is {len(item.text):,} characters, over the limit of {QUESTION_MAX_CHARS:,} (docs/reliability.md)",
                             line=item.source_line)  # fmt: skip
    return items


def read_layouts(text: str, options: dict | None = None) -> dict[str, tuple[list[Item], list[str]]]:
    """Return what every layout reads from `text`: (items, warnings) by layout."""
    options = options or {}
    tokens = _parser().parse(text.removeprefix("\ufeff"))
    out = {}
    for layout, reader in READERS.items():
        try:
            out[layout] = reader(tokens, options)
        except InputError as error:
            out[layout] = ([], [str(error.message)])
    return out


def choose(read: dict[str, tuple[list[Item], list[str]]]) -> tuple[str, str]:
    """Return (layout, why): the layout that reads the most items that look like questions (ties: the earlier in LAYOUTS)."""
    def score(layout):
        items = read[layout][0]
        return sum(looks_like_question(i.text) for i in items), question_share([i.text for i in items])

    ranked = sorted(LAYOUTS, key=lambda layout: (-score(layout)[0], -score(layout)[1], LAYOUTS.index(layout)))
    best, runner = ranked[0], ranked[1]

    def said(layout):
        return f"{layout}: {described(read[layout][0])}"

    return best, f"auto chose {said(best)}; next {said(runner)}"


def parse_bank(text: str, layout: str, question_level: int | None = None, question_column=None) -> list[dict]:
    """Return one row per question (section, number, text, links, source_line) read in `layout`."""
    return read_bank(text, layout, question_level, question_column)[0]


def read_bank(text: str, layout: str, question_level: int | None = None, question_column=None) -> tuple[list[dict], str, str, list[str]]:
    """Return (rows, layout used, why, warnings): the questions read in `layout` (`auto`: the best layout, and why)."""
    if layout not in CHOICES:
        raise InputError(f"unknown layout {layout!r}; known: {', '.join(CHOICES)}")
    options = {"question_level": question_level, "question_column": question_column}
    checked_lines(text)
    if layout == "auto":
        read = read_layouts(text, options)
        layout, why = choose(read)
        items, warnings = read[layout]
    else:
        items, warnings = READERS[layout](_parser().parse(text.removeprefix("\ufeff")), options)
        why = f"{layout} (from the registry): {described(items)}"
    checked_items(items)
    rows = [{"section": i.section, "number": i.number, "text": i.text, "links": " ".join(i.links) or None, "source_line": i.source_line}
            for i in items if i.text]  # fmt: skip
    return rows, layout, why, warnings
