"""`bullets`: plain bullet items at any depth; a bullet that holds a list and is no question is a topic (the section
of the items under it), and the bullets under a question are its answer, unless at least 80% of that list's bullets
are questions themselves: follow-up questions (`- Why ReLU?` / `    - What is its problem?`), read as questions; links
to anchors (a table of contents) are not read unless at least 80% of their list asks: then they are the bank's list of
questions, answered below under the same words (read once: auto.once). Pure."""

from pipeline.external.blocks import FOLLOW_UP_SHARE, empty_warning, holds_list, item_inline, question_part, walk_sections
from pipeline.external.clean import Item, clean, is_answer, looks_like_question, make_item, question_share


def _lists(tokens) -> dict[int, list[int]]:
    """Return, for each list item's index, the indexes of the items of its list (itself included): one pass."""
    out, stack = {}, []
    for index, token in enumerate(tokens):
        if token.type in ("bullet_list_open", "ordered_list_open"):
            stack.append([])
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            for item in stack[-1]:
                out[item] = stack[-1]
            stack.pop()
        elif token.type == "list_item_open" and stack:
            stack[-1].append(index)
    return out


def _list_asks(tokens, index: int, lists: dict, shares: dict) -> bool:
    """Return whether the list holding the item at `index` asks (at least 80% of its bullets are questions): follow-up
    questions under a question, or a table of contents that lists the questions."""
    siblings = lists.get(index, [index])
    if siblings[0] not in shares:
        texts = [clean(question_part(inline)[0]) for i in siblings if (inline := item_inline(tokens, i)) is not None]
        shares[siblings[0]] = question_share(texts) >= FOLLOW_UP_SHARE
    return shares[siblings[0]]


def _answered(tokens, index: int) -> bool:
    """Return whether the first bullet under the item opening at `index` is its answer by its label (`- AI Agent
    Memory` / `    - Answer: [AI Agent Memory](…)`): the item is a question, not a topic."""
    for position in range(index + 1, len(tokens)):
        if tokens[position].type == "list_item_open":
            inline = item_inline(tokens, position)
            return inline is not None and is_answer(clean(question_part(inline)[0]))
        if tokens[position].type == "list_item_close":
            return False
    return False


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
    items, warnings, shares, lists = [], [], {}, None
    open_items: list[tuple[str, str | None]] = []  # (role, topic text) of each list item we are inside, innermost last
    for index, token, section in walk_sections(tokens, options.get("sections")):
        if token.type == "list_item_close":
            open_items.pop()
            continue
        if token.type != "list_item_open":
            continue
        under_question = bool(open_items) and open_items[-1][0] == "question" and not token.info
        lists = _lists(tokens) if under_question and lists is None else lists
        if under_question and _list_asks(tokens, index, lists, shares):
            inline = item_inline(tokens, index)
            if inline is not None:
                text, links, _ = question_part(inline)
                topic = next((name for role, name in reversed(open_items) if role == "topic"), None)
                items.append(make_item(topic or section, None, text, token.map[0] + 1, links))
                open_items.append(("question", None))
                continue
        if any(role in ("question", "answer") for role, _ in open_items) or token.info:
            open_items.append(("answer", None))  # under a question, or a numbered item: numbered's, not ours
            continue
        inline = item_inline(tokens, index)
        contents = inline is not None and _is_contents_entry(inline)
        if contents:  # a table of contents is read only when it is the list of the questions (80% of it asks)
            lists = _lists(tokens) if lists is None else lists
            contents = not _list_asks(tokens, index, lists, shares)
        if inline is None or contents:
            if inline is None:
                warnings.append(empty_warning(token))
            open_items.append(("other", None))
            continue
        text, links, _ = question_part(inline)
        if holds_list(tokens, index) and not looks_like_question(clean(text)) and not _answered(tokens, index):
            open_items.append(("topic", clean(text)))
            continue
        topic = next((name for role, name in reversed(open_items) if role == "topic"), None)
        items.append(make_item(topic or section, None, text, token.map[0] + 1, links))
        open_items.append(("question", None))
    return items, warnings
