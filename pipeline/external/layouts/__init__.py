"""One module per layout of a Markdown question bank; each reads `(tokens, options)` into (items, warnings).
`LAYOUTS` is their order (ties in `auto` go to the earlier)."""

from pipeline.external.layouts import (
    admonitions,
    bold_bullets,
    bold_paragraphs,
    bullets,
    details,
    follow_ups,
    headings,
    numbered,
    table,
)

READERS = {
    "numbered": numbered.read,
    "headings": headings.read,
    "table": table.read,
    "details": details.read,
    "bold-paragraphs": bold_paragraphs.read,
    "bold-bullets": bold_bullets.read,
    "bullets": bullets.read,
    "admonitions": admonitions.read,
}
LAYOUTS = tuple(READERS)  # the layouts a registry names and auto weighs
# Readers of questions a bank marks beside its layout (follow-ups of a question): read with every layout, added to
# what the chosen layouts read, never weighed or chosen.
SUPPLEMENTS = {"follow-ups": follow_ups.read}
PART_SEPARATOR = "+"
