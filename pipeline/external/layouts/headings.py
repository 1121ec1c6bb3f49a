"""`headings`: headings are questions (those at `question_level`, or, without one, the numbered or question-like
ones; a numbered heading at another level is a question too, with a warning); the other headings are sections. Pure."""

from pipeline.external.blocks import follow_ups, inline_text, title_index
from pipeline.external.clean import Item, clean, looks_like_question, make_item, numbered, unlabelled


def _headings(tokens, question_level: int | None) -> list[tuple[int, int, str, list[str]]]:
    """Return (index, depth, raw text, links) of every heading but the document's title."""
    out, title = [], title_index(tokens) if question_level != 1 else None
    for index, token in enumerate(tokens):
        if token.type == "heading_open":
            depth = int(token.tag[1])
            if index == title:
                continue
            text, links, _ = inline_text(tokens[index + 1], raw=True)
            out.append((index, depth, text, links))
    return out


def _follow_ups(tokens, index: int, section: str | None) -> list[Item]:
    """Return the bullets of the list right under the question heading opening at `index` (nothing between them but a
    label ending in a colon) when at least 80% of them ask: its follow-up questions (`## 딥러닝이란?` / `- 왜 깊어야
    하나요?`), not its answer."""
    position = index + 3  # after heading_open, inline, heading_close
    while (
        position + 1 < len(tokens)
        and tokens[position].type == "paragraph_open"
        and tokens[position + 1].content.rstrip(" *_").endswith((":", "："))
    ):
        position += 3  # a label that introduces the list (`Follow-up questions:`), not an answer
    if position >= len(tokens) or tokens[position].type != "bullet_list_open":
        return []
    bullets, depth = [], 0
    for i in range(position, len(tokens)):
        kind = tokens[i].type
        depth += kind == "bullet_list_open" or kind == "ordered_list_open"
        depth -= kind == "bullet_list_close" or kind == "ordered_list_close"
        if depth == 0:
            break
        if kind == "list_item_open" and depth == 1:
            bullets.append(i)
    return follow_ups(tokens, bullets, section)


TEMPLATE_REPEATS = 3  # a heading written this many times over is a template's label, not a question


def templates(headings: list[tuple[int, int, str, list[str]]], keys: list[str]) -> set[str]:
    """Return the heading texts (`keys`: clean, case-folded) a bank writes under 3 or more question headings: the
    labels of a template under each question (`## 1. How would you …?` / `### What the interviewer is evaluating`,
    `### How to answer`), never a question. A question written again under other topics stays. Pure."""
    parents: dict[str, set[str]] = {}
    stack: list[tuple[int, str, bool]] = []  # (depth, key, asks) of the headings above the current one
    for (_, depth, text, _), key in zip(headings, keys):
        while stack and stack[-1][0] >= depth:
            stack.pop()
        if stack and stack[-1][2]:
            parents.setdefault(key, set()).add(stack[-1][1])
        stack.append((depth, key, looks_like_question(key) or numbered(text)[0] is not None))
    return {key for key, above in parents.items() if len(above) >= TEMPLATE_REPEATS}


def question_heading_level(headings: list[tuple[int, int, str, list[str]]], labels: set[str] = frozenset()) -> int | None:
    """Return the heading level whose headings look most like questions (then: are most often numbered or labelled,
    `Q3:`, `問1.`), a template's `labels` aside; None if none."""
    scores = {}
    for _, depth, text, _ in headings:
        cleaned = clean(text)
        if labels and cleaned.casefold() in labels:
            continue
        asked, counted = scores.get(depth, (0, 0))
        labelled = numbered(text)[0] is not None or unlabelled(cleaned) != cleaned  # `1.`, `Q3:`, `問1.`
        scores[depth] = (asked + looks_like_question(cleaned), counted + labelled)
    best = max(sorted(scores), key=lambda depth: scores[depth], default=None)
    return best if best is not None and scores[best] != (0, 0) else None


def read(tokens, options: dict) -> tuple[list[Item], list[str]]:
    """Questions are the headings at the question level (`question_level`, else the most question-like level);
    shallower headings are sections (a numbered one is a question too, with a warning); deeper ones are the answer's."""
    headings = _headings(tokens, options.get("question_level"))
    keys = [clean(text).casefold() for _, _, text, _ in headings]
    labels = templates(headings, keys)
    level = options.get("question_level") or question_heading_level(headings, labels)
    items, warnings, section = [], [], None
    if level is None:
        return items, warnings
    for (index, depth, text, links), key in zip(headings, keys):
        if key in labels:
            continue  # a template's label under each question
        number, body = numbered(text)
        if depth > level:
            continue  # a subheading of an answer (`#### 1. Causal mask math` under a question)
        is_question = depth == level
        if depth < level and number is not None and depth > 1:
            is_question = True
            warnings.append(
                f"line {tokens[index].map[0] + 1}: a numbered heading at level {depth} among questions at level {level}: read as a question"
            )
        if is_question:
            items.append(make_item(section, number, body, tokens[index].map[0] + 1, links))
            items += _follow_ups(tokens, index, section)
        else:
            section = clean(text)
    return items, warnings
