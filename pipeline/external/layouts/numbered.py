"""`numbered`: top-level numbered items (`1. Q`, `1. **Q**`) and paragraphs that start with a number (`**3.** Q`,
`**2. Q**`, `12、Q`); lists nested under an item are its answer. Pure."""

from pipeline.external.blocks import empty_warning, inline_text, item_inline, numbered_lines, walk_sections
from pipeline.external.clean import Item, make_item, numbered


def read(tokens, options: dict) -> tuple[list[Item], list[str]]:
    items, warnings = [], []
    for index, token, section in walk_sections(tokens):
        if token.type == "list_item_open" and token.level == 1 and token.info:  # a top-level numbered item
            inline = item_inline(tokens, index)
            if inline is None:
                warnings.append(empty_warning(token))
                continue
            for offset, span in numbered_lines(inline):
                text, links, _ = inline_text(span, raw=True)
                number, body = (int(token.info), text) if offset == 0 else numbered(text)
                if body and number is not None:  # a later part without its own number is the answer
                    items.append(make_item(section, number, body, inline.map[0] + 1 + offset, links))
        elif token.type == "inline" and token.level == 1 and tokens[index - 1].type == "paragraph_open":
            for offset, span in numbered_lines(token):
                text, links, _ = inline_text(span, raw=True)
                number, body = numbered(text)
                if number is not None and body:
                    items.append(make_item(section, number, body, token.map[0] + 1 + offset, links))
    return items, warnings
