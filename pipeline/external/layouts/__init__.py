"""One module per layout of a Markdown question bank; each reads `(tokens, options)` into (items, warnings).
`LAYOUTS` is their order (ties in `auto` go to the earlier)."""

from pipeline.external.layouts import admonitions, bold_bullets, bold_paragraphs, bullets, details, headings, numbered, table

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
LAYOUTS = tuple(READERS)
PART_SEPARATOR = "+"
