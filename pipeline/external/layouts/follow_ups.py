"""`follow-ups`: the questions a bank marks as follow-ups of another (`**Follow-ups:** How …? Why …?`, `**Common
follow-ups.**` then a list of `- "What's RRF?" → …`, `### 🪤 追问` then `- **Q：…？**`), read beside whatever layout
reads the bank (a supplement: auto adds them, never weighs them). Only a block under such a label is read, and only
what asks in it. Pure."""

import re

from pipeline.external.blocks import inline_text, item_inline, question_part, walk_sections
from pipeline.external.clean import Item, clean, looks_like_question, make_item

# The label of a block of follow-up questions, in the languages banks are written in (casefolded, NFKC first).
LABEL = re.compile(r"^(?:common |more |possible )?follow[- ]?ups?(?: questions?)?[.:]?$|^追问|^追問|^후속 ?질문|^深掘り")
QUESTION = re.compile(r"(?:^|(?<=\?))[^?]*+\?")  # a sentence that asks, up to its `?`; starts only after one: linear
QUOTED = re.compile(r'^["“]([^"”]{1,2000})["”]')  # `"What's RRF?" → the answer`: the quoted question


def _is_label(text: str) -> bool:
    return bool(LABEL.match(clean(text).casefold().strip(" 🪤*_")))


def _asked(text: str) -> list[str]:
    """Return the questions of a run of text (`How …? Why …?`), each up to its question mark."""
    return [q.strip() for q in QUESTION.findall(clean(text)) if looks_like_question(q.strip())]


def read(tokens, options: dict) -> tuple[list[Item], list[str]]:
    items, open_until = [], -1  # open_until: a label opened a block of follow-ups, read until the next heading
    for index, token, section in walk_sections(tokens, options.get("sections")):
        if token.type == "heading_open":
            open_until = index if _is_label(tokens[index + 1].content) else -1
            continue
        if token.type == "inline" and tokens[index - 1].type == "paragraph_open" and token.children:
            opens_bold = any(c.type == "strong_open" for c in token.children[:2])  # a label is bold: others unread
            bold, _, starts_bold = inline_text(token, bold_only=True, raw=True) if opens_bold else ("", [], False)
            if starts_bold and _is_label(bold):
                asked = _asked(clean(inline_text(token, raw=True)[0])[len(clean(bold)) :])
                items += [make_item(section, None, question, token.map[0] + 1, []) for question in asked]
                open_until = -1 if asked else index  # a label alone opens the list after it
                continue
            if token.level == 1:  # any other paragraph outside a list closes the block
                open_until = -1
        if token.type == "list_item_open" and open_until >= 0:
            inline = item_inline(tokens, index)
            if inline is None:
                continue
            text, links, _ = question_part(inline)
            quoted = QUOTED.match(clean(text))
            text = quoted.group(1) if quoted else text
            item = make_item(section, None, text, token.map[0] + 1, links)
            if looks_like_question(item.text):
                items.append(item)
    return items, []
