"""`paragraphs`: plain paragraphs that ask, under plain-text titles (`What is overfitting?` / `It is …`): the first
line of each top-level paragraph that ends with a question mark or as a Korean or Japanese request (`…を計算せよ．`),
or opens as a Chinese task, at most `PLAIN_MAX` characters. Answers ask too
(`Why? Because …`), so `auto` never weighs this layout with the others: it reads a bank this way only when the
others read few of what it reads (`markdown.plain_fallback`). Pure."""

from pipeline.external.blocks import inline_text, line_spans, walk_sections
from pipeline.external.clean import QUESTION_MARKS, Item, make_item, numbered, requests

PLAIN_MAX = 300  # characters of a paragraph's first line read as a question (longer: an answer's sentence)


def read(tokens, options: dict) -> tuple[list[Item], list[str]]:
    items = []
    for index, token, section in walk_sections(tokens, options.get("sections")):
        if (
            token.type == "inline"
            and token.level == 1
            and tokens[index - 1].type == "paragraph_open"
            and (any(mark in (first := token.content.partition("\n")[0]) for mark in "?？") or not first.isascii())
        ):  # cheap: most paragraphs ask nothing
            text, links, _ = inline_text(line_spans(token)[0], raw=True)
            number, body = numbered(text)
            item = make_item(section, number, body, token.map[0] + 1, links)
            if (item.text.endswith(QUESTION_MARKS) or requests(item.text)) and len(item.text) <= PLAIN_MAX:
                items.append(item)
    return items, []
