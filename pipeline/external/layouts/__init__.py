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
    paragraphs,
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
    "paragraphs": paragraphs.read,
}
LAYOUTS = tuple(READERS)  # the layouts a registry names and auto weighs
# Readers of questions a bank marks beside its layout (follow-ups of a question): read with every layout, added to
# what the chosen layouts read, never weighed or chosen.
SUPPLEMENTS = {"follow-ups": follow_ups.read}
# Layouts `auto` turns to only when the others read few of what they read (plain paragraphs that ask: answers ask
# too, so they are never weighed with the others: auto.choose); a registry names them like any layout.
FALLBACKS = ("paragraphs",)
PART_SEPARATOR = "+"
