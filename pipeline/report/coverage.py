"""The coverage report: each section is one `rpt_` view of the warehouse, rendered as Markdown and HTML. Pure
but for `charts`, which draws with matplotlib (imported there only)."""

import base64
import html
import io
import math

from pipeline.escaping import markdown_text
from pipeline.suites import DEFAULT_TOLERANCE

SECTIONS = (
    (
        "rpt_chapter_papers",
        "Chapter → papers",
        "The references each chapter claims in `Relevant Chapters`, and the section a claimed topic points to.",
    ),
    (
        "rpt_chapter_coverage",
        "Coverage per chapter",
        "For each chapter: references it claims that its questions name, references it claims that no question names, "
        "and references its questions name that it does not claim.",
    ),
    ("rpt_chapters_without_claims", "Chapters that claim no reference", "No row of the reference tables names these chapters."),
    (
        "rpt_unreferenced_terms",
        "Names the questions use that no reference covers",
        "Acronyms and CamelCase names (techniques, models, benchmarks) in the questions with no alias in `raw/ref_aliases.csv`, "
        "most used first (`raw/generic_terms.csv` lists the names left out as generic).",
    ),
    ("rpt_tag_mix_chapter", "Tag mix per chapter", "Questions per tag in each chapter, with the tag's share of the chapter."),
    ("rpt_tag_mix_section", "Tag mix per section", "Questions per tag in each section."),
    ("rpt_tag_claims", "Stated against actual counts per tag", "The counts after `Total:` against the questions' tags."),
    (
        "rpt_attribution_disagreements",
        "Sources & Attribution against the reference tables",
        "Works attributed in the preamble with no reference row, reference rows the preamble never attributes, and "
        "question-bank sizes stated differently in the two places.",
    ),
)


def _cell(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def markdown_table(columns: list[str], rows: list[tuple]) -> str:
    """Return a Markdown table; every cell shows its value as text (no markup, no HTML, no @mention)."""
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(markdown_text(_cell(v)) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def html_table(columns: list[str], rows: list[tuple], view: str) -> str:
    """Return an HTML table whose rows carry the view's name (for tests that parse the page)."""
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join(
        f'<tr data-view="{view}">' + "".join(f"<td>{html.escape(_cell(v))}</td>" for v in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_markdown(results: dict[str, tuple[list[str], list[tuple]]], chart_files: dict[str, str]) -> str:
    """Return the Markdown report: one section per view, charts linked as image files."""
    out = [
        "# Coverage report",
        "",
        "Built by `make all` from `warehouse/questions.duckdb`; each section is the view named under it.",
        "",
    ]
    for name, path in chart_files.items():
        out += [f"![{name}]({path})", ""]
    for view, title, about in SECTIONS:
        columns, rows = results[view]
        out += [f"## {title}", "", about, "", f"View `{view}`: {len(rows)} rows.", "", markdown_table(columns, rows), ""]
    return "\n".join(out)


HEADERS = {
    "chapter_id": "chapter",
    "is_approximate": "approximate",
    "source_line": "line",
    "stated_line": "line",
    "section_line": "line",
    "section_id": "section",
    "chapter_title": "title",
    "section_title": "title",
}
PERCENT_COLUMNS = ("deviation", "share")
LABEL_COLUMNS = ("labels",)


def _about(text: str) -> str:
    """Return a section's explanation as HTML: escaped, `code` spans rendered."""
    parts = html.escape(text).split("`")
    return "".join(f"<code>{part}</code>" if i % 2 else part for i, part in enumerate(parts))


def _labels(value, questions: dict[str, str]):
    from pipeline.pages import Raw

    if not value:
        return ""
    links = [
        f'<a href="#q-{html.escape(label)}" title="{html.escape(questions.get(label, ""))}">{html.escape(label)}</a>'
        for label in (part.strip() for part in str(value).split(","))
    ]
    return Raw(", ".join(links))


def _display(column: str, value, chapters: dict, questions: dict):
    if column in LABEL_COLUMNS:
        return _labels(value, questions)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if column in PERCENT_COLUMNS and isinstance(value, (int, float)):
        return f"{value:.1%}"
    if column == "chapter_id" and value in chapters:
        return f"{value} — {chapters[value]}"
    return _cell(value)


def html_rows(
    view: str, columns: list[str], rows: list[tuple], chapters: dict, questions: dict, tolerance: float = DEFAULT_TOLERANCE
) -> tuple[list[str], list[list]]:
    """Return the headers and cells a person reads: plain names, percentages, yes/no, chapter titles, linked labels; the
    tag claims get a verdict, an approximate count being allowed `tolerance` (the checks' ~ tolerance)."""
    headers = [HEADERS.get(c, c.replace("_", " ")) for c in columns]
    cells = [[_display(c, v, chapters, questions) for c, v in zip(columns, row)] for row in rows]
    if view == "rpt_tag_claims":
        stated, deviation, approximate = columns.index("stated"), columns.index("deviation"), columns.index("is_approximate")
        headers.append("verdict")
        for row, out in zip(rows, cells):
            allowed = tolerance if row[approximate] else 0.0
            out.append("—" if row[stated] is None else ("ok" if (row[deviation] or 0) <= allowed else "OFF"))
    return headers, cells


def render_html(
    results: dict[str, tuple[list[str], list[tuple]]],
    chart_pngs: dict[str, bytes],
    chapters: dict | None = None,
    questions: dict | None = None,
    tolerance: float = DEFAULT_TOLERANCE,
) -> str:
    """Return the HTML report: one offline page, charts embedded as PNG data, long tables folded and sortable."""
    from pipeline import pages

    chapters, questions = chapters or {}, questions or {}
    css = "img{max-width:100%;border:1px solid #eee}"
    out = [
        pages.head("Coverage report", css),
        pages.nav("coverage.html"),
        "<h1>Coverage report</h1>",
        "<p>" + " · ".join(f'<a href="#{v}">{html.escape(t)}</a>' for v, t, _ in SECTIONS) + "</p>",
    ]
    for name, png in chart_pngs.items():
        out.append(
            f'<figure><img alt="{html.escape(name)}" src="data:image/png;base64,{base64.b64encode(png).decode()}"></figure>'
        )
    named = set()
    for view, title, about in SECTIONS:
        columns, rows = results[view]
        out.append(
            f'<h2 id="{view}">{html.escape(title)}</h2><p>{_about(about)}</p><p class="meta">View <code>{view}</code>: {len(rows)} rows.</p>'
        )
        headers, cells = html_rows(view, columns, rows, chapters, questions, tolerance)
        out.append(pages.table(headers, cells, [f'data-view="{view}"'] * len(cells)))
        for column in LABEL_COLUMNS:
            if column in columns:
                named |= {
                    part.strip() for row in rows for part in str(row[columns.index(column)] or "").split(",") if part.strip()
                }
    if named:
        out.append("<h2 id=questions>The questions named above</h2><ul>")
        out += [
            f'<li id="q-{html.escape(label)}"><strong>{html.escape(label)}</strong> {html.escape(questions.get(label, ""))}</li>'
            for label in sorted(named, key=lambda lab: [int(p) if p.isdigit() else p for p in lab.split(".")])
        ]
        out.append("</ul>")
    out.append(pages.foot())
    return "\n".join(out)


CHART_LABELS = 24  # at most this many chapter labels on the heat map's axis, and numbers in its cells only up to it


def tag_chapter_grid(rows: list[tuple], indexes: tuple[int, int, int], tags: list[str], chapters: list) -> list[list[int]]:
    """Return questions per (tag, chapter) as rows of `tags` × columns of `chapters` (linear in the rows)."""
    ci, ti, qi = indexes
    tag_at, chapter_at = {t: i for i, t in enumerate(tags)}, {c: i for i, c in enumerate(chapters)}
    grid = [[0] * len(chapters) for _ in tags]
    for row in rows:
        grid[tag_at[row[ti]]][chapter_at[row[ci]]] = row[qi]
    return grid


def _ticks(count: int, most: int) -> list[int]:
    """Return at most `most` evenly spread positions of `count`, the first and last included."""
    if count <= most:
        return list(range(count))
    return sorted({round(i * (count - 1) / (most - 1)) for i in range(most)})


def chapter_label(chapter_id, title: str, width: int = 11, lines: int = 4) -> str:
    """Return a chapter's tick label: its number, then its whole title wrapped (an ellipsis only past `lines` lines)."""
    import textwrap

    wrapped = textwrap.wrap(str(title).strip(), width, break_long_words=False, break_on_hyphens=False)
    return "\n".join([str(chapter_id)] + wrapped[:lines]) + ("…" if len(wrapped) > lines else "")


def overlapping(figure, labels, gap: float = 10.0) -> bool:
    """Return whether any two of the axis labels overlap as `figure` draws them (their boxes, `gap` pixels apart at the least)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    if not hasattr(figure.canvas, "get_renderer"):
        FigureCanvasAgg(figure)  # the PNG's own renderer: the boxes are the ones saved
    renderer = figure.canvas.get_renderer()
    boxes = sorted((label.get_window_extent(renderer) for label in labels), key=lambda box: box.x0)
    return any(left.x1 + gap > right.x0 for left, right in zip(boxes, boxes[1:]))


def fit_labels(figure, axes, smallest: float = 6.0) -> None:
    """Shrink the chapter labels under `axes` until no two overlap (a long word like `Post-Training` stays whole), to
    `smallest` points at the least; past that, each label is one line turned upright (a line's height apart)."""
    figure.tight_layout()
    labels = axes.get_xticklabels()
    size = labels[0].get_fontsize() if labels else smallest
    while labels and overlapping(figure, labels) and size > smallest:
        size -= 0.5
        for label in labels:
            label.set_fontsize(size)
        figure.tight_layout()
    if labels and overlapping(figure, labels):
        lines = [" ".join(label.get_text().split()) for label in labels]
        axes.set_xticks(axes.get_xticks(), [t if len(t) <= 40 else t[:39] + "…" for t in lines], rotation=90, fontsize=7)
        figure.tight_layout()


def charts(results: dict[str, tuple[list[str], list[tuple]]]) -> dict[str, bytes]:
    """Return PNG charts: tags × chapters (heat map) and stated against actual questions per tag (bars)."""
    from matplotlib.figure import Figure  # the object API renders with Agg, without pyplot's import (0.2 s)

    claim_columns, claims = results["rpt_tag_claims"]
    order = [r[claim_columns.index("tag")] for r in claims]  # one tag order for both charts, zero-count tags included
    columns, rows = results["rpt_tag_mix_chapter"]
    ci, ti, qi = columns.index("chapter_id"), columns.index("tag"), columns.index("questions")
    chapters = sorted({r[ci] for r in rows})
    titles = {r[ci]: r[columns.index("chapter_title")] for r in rows} if "chapter_title" in columns else {}
    tags = order + sorted({r[ti] for r in rows} - set(order))
    grid = tag_chapter_grid(rows, (ci, ti, qi), tags, chapters)
    figure = Figure(figsize=(9, 4.2))
    axes = figure.subplots()
    image = axes.imshow(grid, cmap="Blues", aspect="auto", interpolation="nearest")
    shown = _ticks(len(chapters), CHART_LABELS)
    axes.set_xticks(shown, [chapter_label(chapters[x], titles.get(chapters[x], "")) for x in shown], fontsize=7)
    axes.set_yticks(range(len(tags)), tags)
    fit_labels(figure, axes)
    if len(chapters) <= CHART_LABELS:  # a number in every cell while they can be read; above, the colour bar says it
        top = max((max(line) for line in grid), default=0)
        for y, line in enumerate(grid):
            for x, value in enumerate(line):
                axes.text(x, y, str(value), ha="center", va="center", color="white" if value > top / 2 else "black", fontsize=9)
    axes.set_title("Questions per tag and chapter" + (f" ({len(chapters)} chapters)" if len(chapters) > CHART_LABELS else ""))
    figure.colorbar(image, ax=axes)
    pngs = {"tags-by-chapter": _png(figure)}

    columns, rows = claim_columns, claims
    names = [r[columns.index("tag")] for r in rows]
    stated = [r[columns.index("stated")] or 0 for r in rows]
    actual = [r[columns.index("actual")] for r in rows]
    figure = Figure(figsize=(9, 4.2))
    axes = figure.subplots()
    positions = range(len(names))
    axes.bar([p - 0.2 for p in positions], stated, width=0.4, label="stated (~)", color="#bbb")
    axes.bar([p + 0.2 for p in positions], actual, width=0.4, label="actual", color="#3b6ea8")
    axes.set_xticks(list(positions), names)
    axes.set_ylabel("questions")
    axes.set_title("Stated against actual questions per tag")
    axes.legend()
    pngs["stated-vs-actual"] = _png(figure)
    return pngs


def _png(figure) -> bytes:
    buffer = io.BytesIO()
    figure.tight_layout()
    figure.savefig(buffer, format="png", dpi=110, metadata={"Software": None})
    return buffer.getvalue()
