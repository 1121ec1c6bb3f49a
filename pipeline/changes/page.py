"""reports/changes.html (what a change did, against the base `make diff` built) and reports/history.html (the bank's
measures at each commit that changed raw/, drawn as small line charts). Pure; every value escaped; inline SVG only.
"""

from html import escape

from pipeline import pages
from pipeline.changes.report import CHANGE_WORDS, PROBLEMS, shifted_line

CSS = """
.lede{font-size:1.1em}.gain{color:#1d6b2a}.loss{color:#a40000}.note{color:#666}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:1em}
figure{margin:0;border:1px solid #e4e4e4;border-radius:6px;padding:.5em}figcaption{font-weight:600}
svg{width:100%;height:110px;display:block}svg text{font:11px system-ui,sans-serif;fill:#555}
"""


def _list(rows: list[dict], columns: list[str], caption: str) -> str:
    if not rows:
        return '<p class="note">none</p>'
    return pages.table([c.replace("_", " ") for c in columns], [[r.get(c) for c in columns] for r in rows], caption=caption)


QUESTION_COLUMNS = {
    "added": ["label", "tag", "source_line", "text"],
    "removed": ["base_label", "tag", "base_source_line", "text"],
    "edited": ["label", "base_label", "base_text", "text"],
    "retagged": ["label", "base_label", "base_tag", "tag"],
    "moved": ["label", "base_label", "base_section_id", "section_id", "text"],
}


def render_changes(changes: dict | None) -> str:
    """Return the changes page: the comparison `make diff` made, or how to make one."""
    out = [pages.head("Changes", CSS), pages.nav("changes.html"), "<h1>Changes</h1>"]
    if changes is None:
        out.append(
            '<p class="lede">This build was not compared with another version. <code>make diff BASE=&lt;git ref&gt;</code> '
            "builds raw/ as it was at that commit with today's code and shows here what the change did; "
            "<code>make check BASE=&lt;ref&gt; STRICT=1</code> gates on what it introduced.</p>"
        )
        return "".join(out) + pages.foot()
    questions = changes["questions"]
    counts = ", ".join(f"{len(questions[k])} {CHANGE_WORDS[k]}" for k in QUESTION_COLUMNS)
    out.append(
        f'<p class="lede">Against <code>{escape(changes["base"])}</code> (commit <code>{escape(changes["base_commit"][:10])}</code>): '
        f"{escape(counts)}, {questions['unchanged']} unchanged.</p>"
    )
    shifted = shifted_line(questions.get("relabelled", []), escape)
    out += [f"<p>{shifted}.</p>"] if shifted else []
    for kind, columns in QUESTION_COLUMNS.items():
        word = CHANGE_WORDS[kind]
        out.append(f"<h2>Questions {escape(word)} ({len(questions[kind])})</h2>" + _list(questions[kind], columns, "questions"))
    checks = changes["checks"]
    for key, title in PROBLEMS:  # the list the gate and changes.md read: each problem once, with its figures
        rows = [
            {"severity": p["severity"].upper(), "problem": p["text"], "expectation": p["expectation"]}
            for p in checks.get(key, [])
        ]
        out.append(f"<h2>{escape(title)} ({len(rows)})</h2>" + _list(rows, ["severity", "problem", "expectation"], "problems"))
    claims = [{**c, "moved": "further from stated" if c["further"] else ""} for c in changes["tag_claims"]]
    out.append("<h2>Stated tag counts, before and after</h2>")
    out.append(_list(claims, ["tag", "stated", "base_actual", "actual", "moved"], "tags"))
    for key, title, columns in (
        ("links", "Chapter → paper links", ["chapter_id", "chapter", "reference"]),
        ("external_coverage", "External questions covered", ["bank_id", "label", "text"]),
    ):
        for side, css in (("gained", "gain"), ("lost", "loss")):
            rows = changes[key][side]
            out.append(f'<h2>{title}: <span class="{css}">{side}</span> ({len(rows)})</h2>' + _list(rows, columns, "rows"))
    return "".join(out) + pages.foot()


def _series(history: list[dict]) -> dict[tuple, list[tuple[int, float | None]]]:
    """Return each (metric, tag)'s points as (position, value), in the order measures first appear."""
    out: dict[tuple, list] = {}
    for row in history:
        out.setdefault((row["metric"], row["tag"]), []).append((row["position"], row["value"]))
    return out


def shown(value: float | None, share: bool) -> str:
    """Return a measure as the page shows it: a share as a percentage, a count as a whole number."""
    if value is None:
        return "–"
    return f"{value:.1%}" if share else f"{value:,.0f}"


def chart(points: list[tuple[int, float | None]], positions: int, stated: list | None = None, share: bool = False) -> str:
    """Return an inline SVG line chart of `points` over `positions` points, from zero up (dashed: the stated value)."""
    width, height = 300, 110
    values = [v for _, v in points + (stated or []) if v is not None]
    low = min(values + [0.0])
    high = max(values + [1.0 if share else low + 1])
    x = lambda p: 34 + (width - 44) * (p / max(positions - 1, 1))  # noqa: E731
    y = lambda v: height - 12 - (height - 24) * ((v - low) / (high - low))  # noqa: E731

    def line(series, style, dots):
        drawn = [(x(p), y(v)) for p, v in series if v is not None]
        path = " ".join(f"{a:.1f},{b:.1f}" for a, b in drawn)
        marks = "".join(f'<circle cx="{a:.1f}" cy="{b:.1f}" r="2.5"/>' for a, b in drawn) if dots else ""
        return f'<polyline points="{path}" fill="none" {style}/>{marks}'

    return (
        f'<svg viewBox="0 0 {width} {height}" preserveAspectRatio="none" role="img">'
        f'<text x="2" y="14">{escape(shown(high, share))}</text><text x="2" y="{height - 10}">{escape(shown(low, share))}</text>'
        + (line(stated, 'stroke="#999" stroke-dasharray="4 3"', False) if stated else "")
        + line(points, 'stroke="#2b5fb8" stroke-width="2"', True)
        + "</svg>"
    )


def render_history(history: list[dict]) -> str:
    """Return the history page: a chart per measure over the points (commits that changed raw/, this build last)."""
    positions = sorted({r["position"] for r in history})
    points = {r["position"]: r for r in history}
    series = _series(history)
    out = [
        pages.head("History", CSS),
        pages.nav("history.html"),
        "<h1>History</h1>",
        f'<p class="lede">{len(positions)} points: every commit that changed raw/ that <code>make history</code> built '
        "with today's code, oldest first, and this build last. Dashed: the count the appendix states.</p>",
        '<div class="charts">',
    ]
    for (metric, tag), values in series.items():
        if metric == "stated":
            continue
        stated = series.get(("stated", tag)) if metric == "questions tagged" else None
        title = f"{metric}: {tag}" if tag else metric
        share = metric.endswith(("share", "coverage"))
        last = values[-1][1] if values else None
        now = f"now {shown(last, share)}" + (f", stated {shown(stated[-1][1], False)}" if stated else "")
        out.append(
            f'<figure><figcaption>{escape(title)} <span class="note">{escape(now)}</span></figcaption>'
            f"{chart(values, len(positions), stated, share)}</figure>"
        )
    out.append("</div><h2>Points</h2>")
    rows = [[p, (points[p]["commit"] or "")[:10], points[p]["committed_at"] or "", points[p]["subject"]] for p in positions]
    out.append(pages.table(["#", "commit", "date", "subject"], rows, caption="points"))
    return "".join(out) + pages.foot()
