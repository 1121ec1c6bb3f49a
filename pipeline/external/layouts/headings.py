"""`headings`: headings are questions (those at `question_level`, or, without one, the numbered or question-like
ones; a numbered heading at another level is a question too, with a warning); the other headings are sections. Pure."""

from pipeline.external.blocks import inline_text, title_index
from pipeline.external.clean import Item, clean, looks_like_question, make_item, numbered


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


def question_heading_level(headings: list[tuple[int, int, str, list[str]]]) -> int | None:
    """Return the heading level whose headings look most like questions (then: are most often numbered); None if none."""
    scores = {}
    for _, depth, text, _ in headings:
        asked, counted = scores.get(depth, (0, 0))
        scores[depth] = (asked + looks_like_question(clean(text)), counted + (numbered(text)[0] is not None))
    best = max(sorted(scores), key=lambda depth: scores[depth], default=None)
    return best if best is not None and scores[best] != (0, 0) else None


def read(tokens, options: dict) -> tuple[list[Item], list[str]]:
    """Questions are the headings at the question level (`question_level`, else the most question-like level);
    shallower headings are sections (a numbered one is a question too, with a warning); deeper ones are the answer's."""
    headings = _headings(tokens, options.get("question_level"))
    level = options.get("question_level") or question_heading_level(headings)
    items, warnings, section = [], [], None
    if level is None:
        return items, warnings
    for index, depth, text, links in headings:
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
        else:
            section = clean(text)
    return items, warnings
