"""What every report page shares: the navigation bar, the base style, sortable and collapsible tables. Pure.

The pages are written by several stages (dedup, tags, check, overlap, report), so this lives below all of them.
Everything is inline: no page loads anything over the network, and each works from `file://`.
"""

from html import escape
from pathlib import Path

from pipeline.schema import REPORT_FILES

PAGES = tuple((report.name, report.title) for report in REPORT_FILES if report.title)  # the navigation, from the declarations
COLLAPSE_AFTER = 15  # a table longer than this starts folded

BASE_CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1240px;padding:0 1em 3em;color:#222}
nav.site{display:flex;flex-wrap:wrap;gap:.2em;padding:.5em 0;border-bottom:1px solid #ddd;margin-bottom:.6em}
nav.site a{padding:.2em .7em;border-radius:4px;text-decoration:none;color:#2b5fb8}
nav.site a[aria-current=page]{background:#2b5fb8;color:#fff}
h1{font-size:1.45em;margin:.4em 0}h2{margin-top:1.6em;border-bottom:2px solid #ddd}
table{border-collapse:collapse;margin:.4em 0 1.2em}td,th{padding:.25em .6em;border-bottom:1px solid #eee;text-align:left;vertical-align:top}
th{background:#f6f6f6}table.sortable th{cursor:pointer}table.sortable th:after{content:" ↕";color:#aaa}
details>summary{cursor:pointer;color:#2b5fb8}.meta{color:#666;font-size:.9em}
code{background:#f3f3f3;padding:0 .2em;border-radius:3px}
"""

# Sorts a table by the clicked column (numbers as numbers); moves rows, never writes markup.
SORT_SCRIPT = """
document.querySelectorAll("table.sortable").forEach(function (table) {
  table.querySelectorAll("th").forEach(function (th, column) {
    th.addEventListener("click", function () {
      var body = table.tBodies[0], rows = Array.from(body.rows), up = th.dataset.order !== "up";
      rows.sort(function (a, b) {
        var x = a.cells[column].textContent.trim(), y = b.cells[column].textContent.trim();
        var nx = parseFloat(x.replace(/[%,]/g, "")), ny = parseFloat(y.replace(/[%,]/g, ""));
        var order = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y, undefined, {numeric: true});
        return up ? order : -order;
      });
      th.dataset.order = up ? "up" : "down";
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
});
"""


ASSETS = Path(__file__).resolve().parent / "assets"  # the scripts the review apps share (workbench.js)


def asset(name: str) -> str:
    """Return a shared script of pipeline/assets by name (inlined in a page: nothing is fetched)."""
    return (ASSETS / name).read_text(encoding="utf-8")


def json_for_script(data) -> str:
    """Return `data` as JSON for a <script type="application/json"> block that it cannot end: <, > and & become \\u
    escapes, and so do C1 and bidi controls (JSON escapes C0 itself)."""
    import json

    from pipeline.escaping import INVISIBLE

    text = json.dumps(data, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return INVISIBLE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


class Raw(str):
    """A cell that is already HTML (built from escaped parts): `table` puts it in as it is."""


def nav(current: str) -> str:
    """Return the navigation bar shared by every report page, the current page marked (ValueError for no declared page)."""
    if current not in dict(PAGES):
        raise ValueError(f"{current} is not a page declared in schema.REPORT_FILES")
    links = "".join(
        f'<a href="{name}"{" aria-current=page" if name == current else ""}>{escape(title)}</a>' for name, title in PAGES
    )
    return f'<nav class="site" aria-label="reports">{links}</nav>'


def head(title: str, extra_css: str = "") -> str:
    """Return the document's start: charset, title, the base style and any page style."""
    return (
        f'<!doctype html><html lang=en><head><meta charset=utf-8><link rel="icon" href="data:,"><title>{escape(title)}</title>'
        f"<style>{BASE_CSS}{extra_css}</style></head><body>"
    )


def foot() -> str:
    """Return the document's end, with the table-sorting script."""
    return f"<script>{SORT_SCRIPT}</script></body></html>"


def table(headers: list[str], rows: list[list], row_attributes: list[str] | None = None, caption: str = "rows") -> str:
    """Return a sortable table of escaped cells; folded into a <details> when longer than COLLAPSE_AFTER rows."""
    head_row = "".join(f"<th>{escape(str(h))}</th>" for h in headers)
    body = "".join(
        f"<tr{(' ' + row_attributes[i]) if row_attributes else ''}>"
        + "".join(f"<td>{c if isinstance(c, Raw) else escape('' if c is None else str(c))}</td>" for c in row)
        + "</tr>"
        for i, row in enumerate(rows)
    )
    html = f'<table class="sortable"><thead><tr>{head_row}</tr></thead><tbody>{body}</tbody></table>'
    if len(rows) > COLLAPSE_AFTER:
        return f"<details><summary>{len(rows)} {escape(caption)}: show</summary>{html}</details>"
    return html
