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
- `bullets`: plain bullet items at any depth; a bullet that holds a list and is no question is a topic (the section of
  the items under it), and the bullets under a question are its answer;
- `auto`: every layout above, keeping the one that reads the most items that look like questions, then adding any
  other layout whose items all lie before or after those and look like questions (a table, then lists); it says why.

Layouts join with `+` (`table+numbered`): each part is read and the items are merged in line order. An item whose
first line is the question and whose next lines are the answer (no blank line between) keeps only the question: up
to its first question mark, or its first line.

Question text comes out clean: NFKC-normalised (`𝐇𝐨𝐰` is `How`, `？` is `?`), no emphasis, link, HTML or image markup;
link targets go to `links`; a difficulty marker (`[HARD]`, `(Easy)`, 🟢 🟡 🔴) goes to `difficulty`. The first
level-1 heading is the document's title, not a section. Code blocks, images and tables of contents are never read.
"""

import html.parser
import re
import unicodedata
from dataclasses import dataclass, field

from pipeline.errors import InputError
from pipeline.limits import LINE_MAX_CHARS, QUESTION_MAX_CHARS

LAYOUTS = ("numbered", "headings", "table", "details", "bold-paragraphs", "bold-bullets", "bullets")
CHOICES = LAYOUTS + ("auto",)
PART_SEPARATOR = "+"
QUESTION_MARKS = ("?", "？", "؟", "⸮")
# Openings of a question in the languages banks are written in (casefolded words): Spanish, German, French,
# Portuguese, Russian, Arabic; two-word openings where one word alone would also open a statement ("o que", "por que").
OTHER_OPENERS = frozenset(
    "qué que cómo como cuál cuáles cuándo cuánto cuántos dónde quién quiénes explica explique explicar describe describa compara compare "
    "define menciona nombra "
    "was warum wie wann welche welcher welches wer wo wozu weshalb wieso erkläre erklären erklären beschreibe beschreiben vergleiche "
    "vergleichen nenne nennen ist sind kann können gibt "
    "qu quel quelle quels quelles pourquoi comment quand où qui quoi expliquez explique décrivez décris comparez compare citez "
    "qual quais quando onde quem descreva explique compare cite "
    "что почему как какой какая какое какие каков зачем когда где кто чем объясните объясни опишите опиши сравните сравни назовите "
    "ما ماذا لماذا كيف متى أين هل".split()
)
OTHER_OPENING_PAIRS = frozenset({"o que", "por que", "por qué", "para que", "para qué", "est ce"})
# Chinese, Japanese and Korean write no spaces: interrogative words anywhere, request openings, question endings.
CJK_QUESTION = re.compile(
    "什么|什麼|为什么|為什麼|为何|為何|如何|怎么|怎麼|怎样|怎樣|哪些|哪个|哪個|是否|多少|^请|^請|^解释|^解釋|^描述|^比较|^比較|^说明|^說明|[吗嗎呢]$"
    "|なぜ|何|どう|どの|どれ|いつ|誰|説明して|教えて|述べて|か$"
    "|무엇|왜|어떻게|언제|어느|누가|어디|까요?$|나요$|가요$|세요$|시오$"
)
DIFFICULTY_WORDS = "easy|medium|hard|beginner|intermediate|advanced|expert|basic"
LEADING_DIFFICULTY = re.compile(rf"^\s*[\[(]\s*({DIFFICULTY_WORDS})\s*[\])]\s*[:\-–—]?\s*", re.IGNORECASE)
TRAILING_DIFFICULTY = re.compile(rf"\s*[\[(]\s*({DIFFICULTY_WORDS})\s*[\])]\s*$", re.IGNORECASE)
DIFFICULTY_EMOJI = {"🟢": "easy", "🟡": "medium", "🟠": "medium", "🔴": "hard"}
EMOJI_DIFFICULTY = re.compile("^\\s*([🟢🟡🟠🔴])\ufe0f?\\s*|\\s*([🟢🟡🟠🔴])\ufe0f?\\s*$")
TITLE_COUNT = re.compile(
    r"(\d+)\s*\+?\s*(?:[^\d\s]+\s+){0,4}?(?:questions?|qs|q&as?|题|道题|問|問題|문제|문항|preguntas|fragen|questões|perguntas|вопрос\w*)(?!\w)",
    re.IGNORECASE,
)
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
    difficulty: str | None = None


def split_difficulty(text: str) -> tuple[str, str | None]:
    """Return (text without its difficulty marker, the difficulty): `[HARD] Q`, `Q (Easy)`, `Q 🔴` → `Q`, hard/easy/hard."""
    for pattern in (LEADING_DIFFICULTY, TRAILING_DIFFICULTY):
        match = pattern.search(text)
        if match:
            return (text[: match.start()] + text[match.end() :]).strip(), match.group(1).lower()
    match = EMOJI_DIFFICULTY.search(text)
    if match:
        return (text[: match.start()] + text[match.end() :]).strip(), DIFFICULTY_EMOJI[match.group(1) or match.group(2)]
    return text, None


def _item(section: str | None, number: int | None, body: str, line: int, links: list) -> Item:
    """Return an Item from a question's raw text: NFKC-normalised, its difficulty marker moved out, then cleaned."""
    text, difficulty = split_difficulty(unicodedata.normalize("NFKC", " ".join(body.split())))
    return Item(section, number, clean(text), line, links, difficulty)


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
    """Return `text` NFKC-normalised, white space folded, stray emphasis markers and trailing emoji or symbols removed."""
    text = STRAY_MARKERS.sub("", " ".join(unicodedata.normalize("NFKC", text).split()))
    text = TRAILING_SYMBOLS.sub("", text).strip() if text else text
    return SOURCE_TAIL.sub("", text).strip()


def inline_text(token, bold_only: bool = False, raw: bool = False) -> tuple[str, list[str], bool]:
    """Return (text, links, starts bold) of an inline token: emphasis, links, images and HTML reduced to their text.

    With `bold_only`, only the text inside the first bold span; with `raw`, the text is not cleaned (white space
    folded only), so that a difficulty marker can still be read from it.
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
    text = "".join(parts)
    return (" ".join(text.split()) if raw else clean(text)), links, starts_bold


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
            before = "".join(c.content for c in children[starts[-1][0] : position] if c.type in ("text", "code_inline")).rstrip(
                " *_"
            )
            if NUMBER.match(following.strip()) or before.endswith(QUESTION_MARKS):
                starts.append((position + 1, offset))
    for (begin, line), (end, _) in zip(starts, starts[1:] + [(len(children) + 1, 0)]):
        parts.append((line, _Span(children[begin : end - 1] if end <= len(children) else children[begin:])))
    return parts


def looks_like_question(text: str) -> bool:
    """Return whether an item reads as a question, in any of the languages banks are written in.

    It ends with a question mark (`?`, `？`, `؟`) or holds `¿`, or opens with an interrogative or imperative word
    (English, Spanish, German, French, Portuguese, Russian, Arabic), or, in Chinese, Japanese or Korean, holds an
    interrogative word or ends as a question does.
    """
    stripped = text.rstrip(" \t*_)\"'”’」』")
    if stripped.endswith(QUESTION_MARKS) or "¿" in text:
        return True
    words = re.findall(r"[^\W\d_]+", text.casefold())
    if words and (words[0] in OPENERS or words[0] in OTHER_OPENERS or " ".join(words[:2]) in OTHER_OPENING_PAIRS):
        return True
    return bool(CJK_QUESTION.search(stripped))


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


def _own_tokens(tokens, index: int):
    """Yield the tokens of the list item opening at `index` that are its own (not a nested item's), up to its close."""
    depth = 0
    for token in tokens[index + 1 :]:
        if token.type == "list_item_open":
            depth += 1
        elif token.type == "list_item_close":
            if depth == 0:
                return
            depth -= 1
        elif depth == 0:
            yield token


def item_inline(tokens, index: int):
    """Return the inline token of the list item opening at `index` (its own first paragraph), or None if it is empty.

    Only the item's own tokens are searched: an empty item (`1. ` alone) must not take the next item's text.
    """
    inline = next((token for token in _own_tokens(tokens, index) if token.type == "inline"), None)
    return inline if inline is not None and inline.level == tokens[index].level + 2 else None


def _empty(token) -> str:
    return f"line {token.map[0] + 1}: an empty list item, skipped"


def line_spans(token) -> list[_Span]:
    """Return an inline token's children split into its source lines (at each soft or hard break)."""
    spans, current = [], []
    for child in token.children or []:
        if child.type in ("softbreak", "hardbreak"):
            spans.append(_Span(current))
            current = []
        else:
            current.append(child)
    return spans + [_Span(current)]


def question_part(token, bold_only: bool = False) -> tuple[str, list[str], bool]:
    """Return (raw text, links, starts bold) of the question in an item whose answer may follow on its next lines.

    One line: all of it. More: up to the first question mark (a question may wrap over lines), or the first line.
    """
    lines = [inline_text(span, bold_only, raw=True) for span in line_spans(token)]
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


def read_numbered(tokens, options: dict) -> tuple[list[Item], list[str]]:
    items, warnings = [], []
    for index, token, section in _walk_sections(tokens):
        if token.type == "list_item_open" and token.level == 1 and token.info:  # a top-level numbered item
            inline = item_inline(tokens, index)
            if inline is None:
                warnings.append(_empty(token))
                continue
            for offset, span in numbered_lines(inline):
                text, links, _ = inline_text(span, raw=True)
                number, body = (int(token.info), text) if offset == 0 else _numbered(text)
                if body and number is not None:  # a later part without its own number is the answer
                    items.append(_item(section, number, body, inline.map[0] + 1 + offset, links))
        elif token.type == "inline" and token.level == 1 and tokens[index - 1].type == "paragraph_open":
            for offset, span in numbered_lines(token):
                text, links, _ = inline_text(span, raw=True)
                number, body = _numbered(text)
                if number is not None and body:
                    items.append(_item(section, number, body, token.map[0] + 1 + offset, links))
    return items, warnings


def _headings(tokens, question_level: int | None) -> list[tuple[int, int, str, list[str]]]:
    """Return (index, depth, raw text, links) of every heading but the document's title."""
    out, title_seen = [], False
    for index, token in enumerate(tokens):
        if token.type == "heading_open":
            depth = int(token.tag[1])
            if depth == 1 and not title_seen and question_level != 1:
                title_seen = True
                continue
            text, links, _ = inline_text(tokens[index + 1], raw=True)
            out.append((index, depth, text, links))
    return out


def question_heading_level(headings: list[tuple[int, int, str, list[str]]]) -> int | None:
    """Return the heading level whose headings look most like questions (then: are most often numbered); None if none."""
    scores = {}
    for _, depth, text, _ in headings:
        asked, numbered = scores.get(depth, (0, 0))
        scores[depth] = (asked + looks_like_question(clean(text)), numbered + (_numbered(text)[0] is not None))
    best = max(sorted(scores), key=lambda depth: scores[depth], default=None)
    return best if best is not None and scores[best] != (0, 0) else None


def read_headings(tokens, options: dict) -> tuple[list[Item], list[str]]:
    """Questions are the headings at the question level (`question_level`, else the most question-like level);
    shallower headings are sections (a numbered one is a question too, with a warning); deeper ones are the answer's."""
    headings = _headings(tokens, options.get("question_level"))
    level = options.get("question_level") or question_heading_level(headings)
    items, warnings, section = [], [], None
    if level is None:
        return items, warnings
    for index, depth, text, links in headings:
        number, body = _numbered(text)
        if depth > level:
            continue  # a subheading of an answer (`#### 1. Causal mask math` under a question)
        is_question = depth == level
        if depth < level and number is not None and depth > 1:
            is_question = True
            warnings.append(
                f"line {tokens[index].map[0] + 1}: a numbered heading at level {depth} among questions at level {level}: read as a question"
            )
        if is_question:
            items.append(_item(section, number, body, tokens[index].map[0] + 1, links))
        else:
            section = clean(text)
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
        number_column = next(
            (i for i, h in enumerate(header) if h.strip().lower() in ("#", "no", "no.", "nr", "number", "id", "q#")), None
        )
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
            items.append(_item(section, number if number is not None else text_number, body_text, line, cells[column][1]))
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
    for _index, token, section in _walk_sections(tokens):
        if token.type == "html_block" and "<summary" in token.content.lower():
            parser = _Summaries()
            parser.feed(token.content)
            parser.close()
            for text, links, line in parser.summaries:
                inline = markdown.parseInline(" ".join(text.split()))  # Markdown written inside the summary (`_emphasis_`, links)
                text, more, _ = inline_text(inline[0], raw=True) if inline else ("", [], False)
                number, body = _numbered(text)
                if body:
                    items.append(_item(section, number, body, token.map[0] + line, links + more))
    return items, []


def read_bold_paragraphs(tokens, options: dict) -> tuple[list[Item], list[str]]:
    items = []
    for index, token, section in _walk_sections(tokens):
        if token.type == "inline" and token.level == 1 and tokens[index - 1].type == "paragraph_open":
            first = line_spans(token)[0]  # the answer may follow on the paragraph's next lines
            bold, links, starts_bold = inline_text(first, bold_only=True, raw=True)
            whole, difficulty = split_difficulty(inline_text(first, raw=True)[0])
            if (
                starts_bold and bold and clean(whole) == clean(bold)
            ):  # the first line is one bold span (and a difficulty or symbol)
                number, body = _numbered(bold)
                item = _item(section, number, body, token.map[0] + 1, links)
                items.append(
                    Item(item.section, item.number, item.text, item.source_line, item.links, item.difficulty or difficulty)
                )
    return items, []


def read_bold_bullets(tokens, options: dict) -> tuple[list[Item], list[str]]:
    items, warnings = [], []
    for index, token, section in _walk_sections(tokens):
        if token.type == "list_item_open" and token.level == 1 and not token.info:  # a top-level bullet item
            inline = item_inline(tokens, index)
            if inline is None:
                warnings.append(_empty(token))
                continue
            bold, links, starts_bold = inline_text(line_spans(inline)[0], bold_only=True, raw=True)
            if starts_bold and bold:
                number, body = _numbered(bold)
                items.append(_item(section, number, body, token.map[0] + 1, links))
    return items, warnings


def _is_contents_entry(inline) -> bool:
    """Return whether a bullet is only a link to an anchor of the page (a table of contents)."""
    children = [c for c in inline.children or [] if not (c.type == "text" and not c.content.strip())]
    return (
        bool(children)
        and children[0].type == "link_open"
        and children[0].attrs.get("href", "").startswith("#")
        and children[-1].type == "link_close"
    )


def read_bullets(tokens, options: dict) -> tuple[list[Item], list[str]]:
    """Plain bullets at any depth: a bullet holding a list that is no question is a topic (the section of the bullets
    under it); whatever stands under a question or inside a numbered item is an answer."""
    items, warnings = [], []
    open_items: list[tuple[str, str | None]] = []  # (role, topic text) of each list item we are inside, innermost last
    for index, token, section in _walk_sections(tokens):
        if token.type == "list_item_close":
            open_items.pop()
            continue
        if token.type != "list_item_open":
            continue
        if any(role in ("question", "answer") for role, _ in open_items) or token.info:
            open_items.append(("answer", None))  # under a question, or a numbered item: numbered's, not ours
            continue
        inline = item_inline(tokens, index)
        if inline is None or _is_contents_entry(inline):
            if inline is None:
                warnings.append(_empty(token))
            open_items.append(("other", None))
            continue
        text, links, _ = question_part(inline)
        if _holds_list(tokens, index) and not looks_like_question(clean(text)):
            open_items.append(("topic", clean(text)))
            continue
        topic = next((name for role, name in reversed(open_items) if role == "topic"), None)
        items.append(_item(topic or section, None, text, token.map[0] + 1, links))
        open_items.append(("question", None))
    return items, warnings


def _holds_list(tokens, index: int) -> bool:
    """Return whether the list item opening at `index` holds a list of its own."""
    return any(token.type in ("bullet_list_open", "ordered_list_open") for token in _own_tokens(tokens, index))


READERS = {
    "numbered": read_numbered,
    "headings": read_headings,
    "table": read_table,
    "details": read_details,
    "bold-paragraphs": read_bold_paragraphs,
    "bold-bullets": read_bold_bullets,
    "bullets": read_bullets,
}


def question_share(texts: list[str]) -> float:
    """Return the share of texts that look like questions (0.0 for none: reading nothing is no evidence)."""
    return sum(map(looks_like_question, texts)) / len(texts) if texts else 0.0


def described(items: list[Item]) -> str:
    """Return what a layout read, in words: `12 items, 11 look like questions (92%)`, or `no items`."""
    if not items:
        return "no items"
    asked = sum(looks_like_question(i.text) for i in items)
    looks = "1 looks like a question" if asked == 1 else f"{asked} look like questions"
    return f"{len(items)} item{'s' * (len(items) != 1)}, {looks} ({asked / len(items):.0%})"


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
    """Return (layout, why): the layout that reads the most items that look like questions, then the highest share of
    them, then the most items (a layout that read nothing never wins while another read something); ties: LAYOUTS order.

    Then any other layout whose items all lie before or after those read so far, and at least 80% of which look like
    questions, is read too (`table+numbered`: a table, then lists). `why` names every layout weighed.
    """

    def score(layout):
        items = read[layout][0]
        return sum(looks_like_question(i.text) for i in items), question_share([i.text for i in items]), len(items)

    ranked = sorted(LAYOUTS, key=lambda layout: (tuple(-x for x in score(layout)), LAYOUTS.index(layout)))
    parts, lines = [ranked[0]], [i.source_line for i in read[ranked[0]][0]]
    for layout in ranked[1:]:
        items = read[layout][0]
        if not lines or not items or question_share([i.text for i in items]) < EXTRA_PART_SHARE:
            continue
        if all(i.source_line < min(lines) or i.source_line > max(lines) for i in items):
            parts.append(layout)
            lines += [i.source_line for i in items]
    chosen = PART_SEPARATOR.join(
        sorted(parts, key=lambda part: read[part][0][0].source_line if read[part][0] else 0)
    )  # in the file's order
    also = "".join(
        f"; also {p}: {described(read[p][0])} (lines {read[p][0][0].source_line}–{read[p][0][-1].source_line})" for p in parts[1:]
    )
    weighed = "; ".join(f"{layout}: {described(read[layout][0])}" for layout in LAYOUTS)
    return chosen, f"auto chose {parts[0]}: {described(read[parts[0]][0])}{also} — weighed {weighed}"


EXTRA_PART_SHARE = 0.8


def merged(read: dict[str, tuple[list[Item], list[str]]], layout: str) -> tuple[list[Item], list[str]]:
    """Return the items and warnings of a layout or of parts joined by `+`, in line order, one item per line."""
    items, warnings, lines = [], [], set()
    for part in layout.split(PART_SEPARATOR):
        part_items, part_warnings = read[part]
        items += [i for i in part_items if i.source_line not in lines]
        lines |= {i.source_line for i in part_items}
        warnings += part_warnings
    return sorted(items, key=lambda i: i.source_line), warnings


def is_layout(layout: str) -> bool:
    """Return whether `layout` is `auto`, a layout, or layouts joined by `+`."""
    return layout == "auto" or all(part in LAYOUTS for part in layout.split(PART_SEPARATOR))


def title_count(text: str) -> int | None:
    """Return the number of questions a bank's title states ("63 questions", "120 题", "(6 题)"), or None."""
    for token_index, token in enumerate(tokens := _parser().parse(text.removeprefix("\ufeff"))):
        if token.type == "heading_open":
            match = TITLE_COUNT.search(unicodedata.normalize("NFKC", tokens[token_index + 1].content))
            return int(match.group(1)) if match else None
    return None


def parse_bank(text: str, layout: str, question_level: int | None = None, question_column=None) -> list[dict]:
    """Return one row per question (section, number, text, links, source_line) read in `layout`."""
    return read_bank(text, layout, question_level, question_column)[0]


def read_bank(
    text: str, layout: str, question_level: int | None = None, question_column=None
) -> tuple[list[dict], str, str, list[str]]:
    """Return (rows, layout used, why, warnings): the questions read in `layout` (`auto`: the best layout, and why)."""
    if not is_layout(layout):
        raise InputError(f"unknown layout {layout!r}; known: {', '.join(CHOICES)}, or layouts joined by + (table+numbered)")
    options = {"question_level": question_level, "question_column": question_column}
    checked_lines(text)
    if layout == "auto":
        read = read_layouts(text, options)
        layout, why = choose(read)
    else:
        tokens = _parser().parse(text.removeprefix("\ufeff"))
        read = {part: READERS[part](tokens, options) for part in layout.split(PART_SEPARATOR)}
        why = f"{layout} (from the registry): " + "; ".join(
            (f"{part}: " if len(read) > 1 else "") + described(read[part][0]) for part in read
        )
    items, warnings = merged(read, layout)
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
        if i.text
    ]
    return rows, layout, why, warnings
