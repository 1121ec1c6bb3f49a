"""The Markdown blocks every layout walks: the parser (CommonMark with GFM tables), inline text with its links, list
items and their own tokens, sections, and the split of a paragraph into its source lines. Pure."""

from dataclasses import dataclass

from pipeline.external.clean import QUESTION_MARKS, SUB_LABEL, HtmlRun, clean, looks_like_question, numbered, unlabelled


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
        elif child.type in ("softbreak", "hardbreak"):
            offset += 1
            following = "".join(c.content for c in children[position + 1 : position + 4] if c.type in ("text", "code_inline"))
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
    firsts = [i for i, t in enumerate(tokens) if t.type == "heading_open" and t.tag == "h1" and t.level == 0]
    if not firsts:
        return None
    texts = [inline_text(tokens[i + 1], raw=True)[0] for i in firsts]
    asking = [looks_like_question(unlabelled(clean(t))) or numbered(t)[0] is not None for t in texts]
    return None if asking[0] and sum(asking) >= 2 else firsts[0]


def walk_sections(tokens):
    """Yield (index, token, section) for every token, tracking the current section heading (the title excluded)."""
    section, title = None, title_index(tokens)
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and token.level == 0:
            text = inline_text(tokens[index + 1])[0]
            if index != title:
                yield index, token, section
                section = text
                continue
        yield index, token, section


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
    """Return the inline token of the list item opening at `index` (its own first paragraph), or None if it is empty.

    Only the item's own tokens are searched: an empty item (`1. ` alone) must not take the next item's text.
    """
    inline = next((token for token in own_tokens(tokens, index) if token.type == "inline"), None)
    return inline if inline is not None and inline.level == tokens[index].level + 2 else None


def empty_warning(token) -> str:
    return f"line {token.map[0] + 1}: an empty list item, skipped"


def line_spans(token) -> list[Span]:
    """Return an inline token's children split into its source lines (at each soft or hard break)."""
    spans, current = [], []
    for child in token.children or []:
        if child.type in ("softbreak", "hardbreak"):
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
