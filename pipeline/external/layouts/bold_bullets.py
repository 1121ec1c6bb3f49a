"""`bold-bullets`: top-level bullet items that start with a bold span: the question (`- **What is X?**`), or its number
(`- **Q6:** What is X?`, `- **Q:** What is X?`, then the rest of the line is the question). Pure."""

from pipeline.external.blocks import empty_warning, inline_text, item_inline, line_spans, walk_sections
from pipeline.external.clean import Item, is_label, make_item, numbered


def read(tokens, options: dict) -> tuple[list[Item], list[str]]:
    items, warnings = [], []
    for index, token, section in walk_sections(tokens, options.get("sections")):
        if token.type == "list_item_open" and token.level == 1 and not token.info:  # a top-level bullet item
            inline = item_inline(tokens, index)
            if inline is None:
                warnings.append(empty_warning(token))
                continue
            first = line_spans(inline)[0]
            bold, links, starts_bold = inline_text(first, bold_only=True, raw=True)
            if starts_bold and bold:
                if is_label(bold):  # `**Q6:** How …`, `**Q:** How …`: the bold span labels the question, the rest of the line
                    bold, links, _ = inline_text(first, raw=True)
                number, body = numbered(bold)
                items.append(make_item(section, number, body, token.map[0] + 1, links))
    return items, warnings
