"""`auto`: read a bank in every layout and choose, saying why. Pure.

The layout that reads the most items that look like questions wins (then the highest share of them, then the most
items; ties: `LAYOUTS` order); then any other layout whose items all lie before or after those, and at least 80% of
which look like questions, is added (`table+numbered`: a table, then lists).
"""

from pipeline.external.clean import Item, described, looks_like_question, question_share
from pipeline.external.layouts import LAYOUTS, PART_SEPARATOR

EXTRA_PART_SHARE = 0.8


def choose(read: dict[str, tuple[list[Item], list[str]]]) -> tuple[str, str]:
    """Return (layout, why): the layout that reads the most items that look like questions, then the highest share of
    them, then the most items (a layout that read nothing never wins while another read something); ties: LAYOUTS order.

    Then any other layout whose items all lie before or after those read so far, and at least 80% of which look like
    questions, is read too (`table+numbered`: a table, then lists). `why` names every layout weighed.
    """

    def score(layout):
        items = read[layout][0]
        return sum(looks_like_question(i.text) for i in items), question_share([i.text for i in items]), len(items)

    ranked = sorted(LAYOUTS, key=lambda layout: (tuple(-x for x in score(layout)), LAYOUTS.index(layout)))
    parts, lines = [ranked[0]], [i.source_line for i in read[ranked[0]][0]]
    for layout in ranked[1:]:
        items = read[layout][0]
        if not lines or not items or question_share([i.text for i in items]) < EXTRA_PART_SHARE:
            continue
        if all(i.source_line < min(lines) or i.source_line > max(lines) for i in items):
            parts.append(layout)
            lines += [i.source_line for i in items]
    chosen = PART_SEPARATOR.join(
        sorted(parts, key=lambda part: read[part][0][0].source_line if read[part][0] else 0)
    )  # in the file's order
    also = "".join(
        f"; also {p}: {described(read[p][0])} (lines {read[p][0][0].source_line}–{read[p][0][-1].source_line})" for p in parts[1:]
    )
    weighed = "; ".join(f"{layout}: {described(read[layout][0])}" for layout in LAYOUTS)
    first = read[parts[0]][0]
    span = f" (lines {first[0].source_line}–{first[-1].source_line})" if first else ""
    return chosen, f"auto chose {parts[0]}: {described(first)}{span}{also} — weighed {weighed}"


def merged(read: dict[str, tuple[list[Item], list[str]]], layout: str) -> tuple[list[Item], list[str]]:
    """Return the items and warnings of a layout or of parts joined by `+`, in line order, one item per line."""
    items, warnings, lines = [], [], set()
    for part in layout.split(PART_SEPARATOR):
        part_items, part_warnings = read[part]
        items += [i for i in part_items if i.source_line not in lines]
        lines |= {i.source_line for i in part_items}
        warnings += part_warnings
    return sorted(items, key=lambda i: i.source_line), warnings
