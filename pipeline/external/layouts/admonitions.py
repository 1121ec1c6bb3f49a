"""`admonitions`: MkDocs admonitions whose title is the question (`??? question "What is a cost function?"`, `!!! faq
"…"`), the answer indented under it. CommonMark reads the opening line as a paragraph; only that line is read, only
an admonition with a title in quotes, and only one that asks (its type `question`, `faq`, …, or a title that asks:
`!!! note "Read more"` is no question). Pure."""

import re

from pipeline.external.blocks import walk_sections
from pipeline.external.clean import Item, looks_like_question, make_item

# `???`, `???+` (collapsible) or `!!!`, its type words, then the title in quotes: disjoint runs, so linear.
OPENING = re.compile(r'^(?:\?\?\?\+?|!!!)[ \t]+([\w-]+)(?:[ \t]+[\w-]+)*[ \t]+"([^"\n]{1,2000})"[ \t]*$')
ASKING_TYPES = ("question", "faq", "quiz", "help")  # an admonition of these types asks, whatever its title's form


def read(tokens, options: dict) -> tuple[list[Item], list[str]]:
    items = []
    for index, token, section in walk_sections(tokens, options.get("sections")):
        if token.type == "inline" and token.level == 1 and tokens[index - 1].type == "paragraph_open":
            match = OPENING.match(token.content.split("\n", 1)[0])
            if match and (match.group(1).casefold() in ASKING_TYPES or looks_like_question(match.group(2))):
                items.append(make_item(section, None, match.group(2), token.map[0] + 1, []))
    return items, []
