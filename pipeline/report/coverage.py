"""The coverage report: each section is one `rpt_` view of the warehouse, rendered as Markdown and HTML. Pure
but for `charts`, which draws with matplotlib (imported there only)."""

import base64
import html
import io
import math

SECTIONS = (
    ("rpt_chapter_papers", "Chapter → papers",
     "The references each chapter claims in `Relevant Chapters`, and the section a claimed topic points to."),
    ("rpt_chapter_coverage", "Coverage per chapter",
     "For each chapter: references it claims that its questions name, references it claims that no question names, "
     "and references its questions name that it does not claim."),
    ("rpt_chapters_without_claims", "Chapters that claim no reference", "No row of the reference tables names these chapters."),
    ("rpt_unreferenced_terms", "Names the questions use that no reference covers",
     "Acronyms and CamelCase names (techniques, models, benchmarks) in the questions with no alias in `raw/ref_aliases.csv`, "
     "most used first (`raw/generic_terms.csv` lists the names left out as generic)."),
    ("rpt_tag_mix_chapter", "Tag mix per chapter", "Questions per tag in each chapter, with the tag's share of the chapter."),
    ("rpt_tag_mix_section", "Tag mix per section", "Questions per tag in each section."),
    ("rpt_tag_claims", "Stated against actual counts per tag", "The counts after `Total:` against the questions' tags."),
    ("rpt_attribution_disagreements", "Sources & Attribution against the reference tables",
     "Works attributed in the preamble with no reference row, reference rows the preamble never attributes, and "
     "question-bank sizes stated differently in the two places."),
)  # fmt: skip


def _cell(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def markdown_table(columns: list[str], rows: list[tuple]) -> str:
    """Return a Markdown table (pipes in cells escaped)."""
    escape = lambda v: _cell(v).replace("|", "\\|").replace("\n", " ")  # noqa: E731
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(escape(v) for v in row) + " |" for row in rows]
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
    out = ["# Coverage report", "", "Built by `make all` from `warehouse/questions.duckdb`; each section is the view named under it.", ""]
    for name, path in chart_files.items():
        out += [f"![{name}]({path})", ""]
    for view, title, about in SECTIONS:
        columns, rows = results[view]
        out += [f"## {title}", "", about, "", f"View `{view}`: {len(rows)} rows.", "", markdown_table(columns, rows), ""]
    return "\n".join(out)


def render_html(results: dict[str, tuple[list[str], list[tuple]]], chart_pngs: dict[str, bytes]) -> str:
    """Return the HTML report: one offline page, charts embedded as PNG data."""
    css = ("body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1200px}table{border-collapse:collapse;margin:.5em 0 2em}"
           "td,th{border-bottom:1px solid #ddd;padding:.2em .6em;text-align:left;vertical-align:top}th{background:#f4f4f4}"
           "img{max-width:100%;border:1px solid #eee}")  # fmt: skip
    out = [f"<!doctype html><html lang=en><head><meta charset=utf-8><title>Coverage report</title><style>{css}</style></head><body>",
           "<h1>Coverage report</h1><nav>" + " · ".join(f'<a href="#{v}">{html.escape(t)}</a>' for v, t, _ in SECTIONS) + "</nav>"]  # fmt: skip
    for name, png in chart_pngs.items():
        out.append(f'<figure><img alt="{html.escape(name)}" src="data:image/png;base64,{base64.b64encode(png).decode()}"></figure>')
    for view, title, about in SECTIONS:
        columns, rows = results[view]
        out.append(f'<h2 id="{view}">{html.escape(title)}</h2><p>{html.escape(about)}</p><p>View <code>{view}</code>: {len(rows)} rows.</p>')
        out.append(html_table(columns, rows, view))
    out.append("</body></html>")
    return "\n".join(out)


def charts(results: dict[str, tuple[list[str], list[tuple]]]) -> dict[str, bytes]:
    """Return PNG charts: tags × chapters (heat map) and stated against actual questions per tag (bars)."""
    from matplotlib.figure import Figure  # the object API renders with Agg, without pyplot's import (0.2 s)

    columns, rows = results["rpt_tag_mix_chapter"]
    ci, ti, qi = columns.index("chapter_id"), columns.index("tag"), columns.index("questions")
    chapters = sorted({r[ci] for r in rows})
    tags = sorted({r[ti] for r in rows})
    grid = [[0] * len(chapters) for _ in tags]
    for row in rows:
        grid[tags.index(row[ti])][chapters.index(row[ci])] = row[qi]
    figure = Figure(figsize=(8, 3.6))
    axes = figure.subplots()
    image = axes.imshow(grid, cmap="Blues", aspect="auto")
    axes.set_xticks(range(len(chapters)), [f"Ch {c}" for c in chapters])
    axes.set_yticks(range(len(tags)), tags)
    for y, line in enumerate(grid):
        for x, value in enumerate(line):
            axes.text(x, y, str(value), ha="center", va="center", color="white" if value > max(map(max, grid)) / 2 else "black", fontsize=9)
    axes.set_title("Questions per tag and chapter")
    figure.colorbar(image, ax=axes)
    pngs = {"tags-by-chapter": _png(figure)}

    columns, rows = results["rpt_tag_claims"]
    names = [r[columns.index("tag")] for r in rows]
    stated = [r[columns.index("stated")] or 0 for r in rows]
    actual = [r[columns.index("actual")] for r in rows]
    figure = Figure(figsize=(8, 3.6))
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
