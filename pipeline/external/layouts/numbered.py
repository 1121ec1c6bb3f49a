"""`numbered`: top-level numbered items (`1. Q`, `1. **Q**`) and paragraphs that start with a number (`**3.** Q`,
`**2. Q**`, `12、Q`) or a letter (`a. Q`, `c.为什么…？`: its place in the alphabet is its number), or a question
label (`Q: What …?` / `A: It …`: no number). Lists nested under an item are its answer, unless the item is a topic: no
question itself, it holds numbered items of which at least 80% are questions (`1. 优化器问题` / `   1. Adam 和 SGD
各有什么优缺点？`); those are read, the topic their section. Bullets under a question of which at least 80% ask are
its follow-up questions, read too. Pure."""

import unicodedata

from pipeline.external.blocks import (
    empty_warning,
    follow_ups,
    inline_text,
    item_end,
    item_inline,
    numbered_lines,
    walk_sections,
)
from pipeline.external.clean import (
    QUESTION_LABEL,
    SUB_LABEL,
    Item,
    clean,
    lettered,
    looks_like_question,
    make_item,
    numbered,
    question_share,
)

TOPIC_SHARE = 0.8


def _sub_items(tokens, index: int, numbered_only: bool = True) -> list[int]:
    """Return the indexes of the numbered items (or, with `numbered_only` false, the bullets) one level under the item
    opening at `index`."""
    level = tokens[index].level + 2
    return [
        i
        for i in range(index + 1, item_end(tokens, index))
        if tokens[i].type == "list_item_open" and tokens[i].level == level and bool(tokens[i].info) == numbered_only
    ]


def _follow_ups(tokens, index: int, section: str | None) -> list[Item]:
    """Return the bullets under the numbered question opening at `index` if they are its follow-ups (`blocks.follow_ups`)."""
    return follow_ups(tokens, _sub_items(tokens, index, numbered_only=False), section)


def _topic(tokens, index: int, inline) -> tuple[str, list] | None:
    """Return (the item's text, (token, inline) of each numbered item under it) if it is a topic: no question itself,
    at least 80% of the items under it questions; else None."""
    text = clean(inline_text(inline)[0])
    if looks_like_question(text):
        return None
    subs = [(tokens[i], item_inline(tokens, i)) for i in _sub_items(tokens, index)]
    texts = [clean(inline_text(sub)[0]) for _, sub in subs if sub is not None]
    return (text, subs) if texts and question_share(texts) >= TOPIC_SHARE else None


def _item(token, inline, section: str | None, items: list, warnings: list) -> None:
    """Read a numbered item (its question and any numbered line glued after it) into `items`."""
    if inline is None:
        warnings.append(empty_warning(token))
        return
    read, subs = [], 0
    for offset, span in numbered_lines(inline):
        text, links, _ = inline_text(span, raw=True)
        number, body = (int(token.info), text) if offset == 0 else numbered(text)
        sub = offset > 0 and number is None and SUB_LABEL.match(text.strip()) is not None
        if body and (number is not None or sub):  # a later part without a number or a sub-label is the answer
            read.append(make_item(section, number, body, inline.map[0] + 1 + offset, links))
            subs += sub
    if subs and read and not looks_like_question(read[0].text):  # a topic (`1. Risk.`) over its sub-questions (`i. …?`)
        read = read[1:]
    items += read


def read(tokens, options: dict) -> tuple[list[Item], list[str]]:
    items, warnings = [], []
    for index, token, section in walk_sections(tokens, options.get("sections")):
        if token.type == "list_item_open" and token.level == 1 and token.info:  # a top-level numbered item
            inline = item_inline(tokens, index)
            topic = _topic(tokens, index, inline) if inline is not None else None
            name, entries = topic or (section, [(token, inline)])
            for sub_token, sub_inline in entries:
                _item(sub_token, sub_inline, name, items, warnings)
            if topic is None and items and items[-1].source_line == token.map[0] + 1 and looks_like_question(items[-1].text):
                items += _follow_ups(tokens, index, section)
        elif token.type == "inline" and token.level == 1 and tokens[index - 1].type == "paragraph_open":
            for offset, span in numbered_lines(token):
                text, links, _ = inline_text(span, raw=True)
                number, body = numbered(text)
                if number is None:
                    number, body = lettered(text)
                asks = number is None and QUESTION_LABEL.match(unicodedata.normalize("NFKC", text)) is not None
                if (number is not None or asks) and body:
                    items.append(make_item(section, number, body, token.map[0] + 1 + offset, links))
    return items, warnings
