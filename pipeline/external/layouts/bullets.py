"""`bullets`: plain bullet items at any depth; a bullet that holds a list and is no question is a topic (the section
of the items under it), and the bullets under a question are its answer; links to anchors (a table of contents) are
not read. Pure."""

from pipeline.external.blocks import empty_warning, holds_list, item_inline, question_part, walk_sections
from pipeline.external.clean import Item, clean, looks_like_question, make_item


def _is_contents_entry(inline) -> bool:
    """Return whether a bullet is only a link to an anchor of the page (a table of contents)."""
    children = [c for c in inline.children or [] if not (c.type == "text" and not c.content.strip())]
    return (
        bool(children)
        and children[0].type == "link_open"
        and children[0].attrs.get("href", "").startswith("#")
        and children[-1].type == "link_close"
    )


def read(tokens, options: dict) -> tuple[list[Item], list[str]]:
    """Plain bullets at any depth: a bullet holding a list that is no question is a topic (the section of the bullets
    under it); whatever stands under a question or inside a numbered item is an answer."""
    items, warnings = [], []
    open_items: list[tuple[str, str | None]] = []  # (role, topic text) of each list item we are inside, innermost last
    for index, token, section in walk_sections(tokens):
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
                warnings.append(empty_warning(token))
            open_items.append(("other", None))
            continue
        text, links, _ = question_part(inline)
        if holds_list(tokens, index) and not looks_like_question(clean(text)):
            open_items.append(("topic", clean(text)))
            continue
        topic = next((name for role, name in reversed(open_items) if role == "topic"), None)
        items.append(make_item(topic or section, None, text, token.map[0] + 1, links))
        open_items.append(("question", None))
    return items, warnings
