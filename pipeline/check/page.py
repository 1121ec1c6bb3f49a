"""The quality report as one offline page (reports/quality.html), rendered from the check stage's report. Pure.

It replaces Great Expectations' Data Docs, which load their scripts and styles from CDNs (blank offline), never
show our check ids, severities or reasons, and print failing values unescaped. Every value here is escaped.
"""

from html import escape

CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:1.5em auto;max-width:1200px;padding:0 1em;color:#222}
h1{font-size:1.5em}h2{margin-top:1.6em;border-bottom:2px solid #ddd}table{border-collapse:collapse;margin:.5em 0}
td,th{padding:.25em .6em;border-bottom:1px solid #eee;text-align:left;vertical-align:top}
.critical{color:#a40000;font-weight:600}.warning{color:#8a5a00;font-weight:600}.ok{color:#2a7a2a}
.summary{font-size:1.1em}details{margin:.4em 0}summary{cursor:pointer}
"""


def _rows_table(rows: list[dict]) -> str:
    from pipeline import pages

    if not rows:
        return ""
    columns = list(rows[0])

    def value(column, cell):
        return f"{cell:.1%}" if column == "deviation" and isinstance(cell, (int, float)) else cell

    return pages.table([c.replace("_", " ") for c in columns], [[value(c, row.get(c)) for c in columns] for row in rows])


def render_html(report: dict) -> str:
    """Return the quality report page: the verdict, each failing check with its rows (and their lines), every check."""
    outcomes = report["outcomes"]
    failing = [o for o in outcomes if not o["success"]]
    failing.sort(key=lambda o: (o["severity"] != "critical", o["suite"], o["check"]))
    verdict = (
        "fails: a critical check failed"
        if report["critical_failed"]
        else "passes" + (f", with {report['warnings']} warnings" if report["warnings"] else "")
    )
    from pipeline import pages

    out = [
        pages.head("Quality report", CSS),
        pages.nav("quality.html"),
        "<h1>Quality report</h1>",
        f'<p class="summary">{len(outcomes)} checks: {report["passed"]} passed, {report["critical_failed"]} critical failed, '
        f"{report['warnings']} warnings. The gate (<code>make check</code>) {escape(verdict)}; <code>make check STRICT=1</code> "
        "fails on warnings too.</p>",
        f"<h2>Failing checks ({len(failing)})</h2>",
    ]
    for outcome in failing:
        shown = len(outcome["offending"])
        more = outcome["unexpected_count"] - shown
        out.append(
            f'<details open><summary><span class="{escape(outcome["severity"])}">{escape(outcome["severity"].upper())}</span> '
            f"<code>{escape(outcome['suite'])}/{escape(outcome['check'])}</code>: {escape(outcome['why'])} "
            f"({outcome['unexpected_count']} rows)</summary>"
            + (f"<p>could not run: {escape(str(outcome['exception']))}</p>" if outcome["exception"] else "")
            + _rows_table(outcome["offending"])
            + (f"<p>… and {more} more rows in <code>quality.json</code>.</p>" if more > 0 else "")
            + "</details>"
        )
    if report.get("tag_claims"):
        out.append(
            f"<h2>Stated against actual, per tag</h2><p>Approximate (~) counts may deviate by {report['tolerance']:.0%}.</p>"
        )
        rows = [
            {
                "tag": c["tag"],
                "stated": ("~" if c["is_approximate"] else "") + str(c["stated"]),
                "actual": c["actual"],
                "deviation": f"{c['deviation']:.1%}",
                "verdict": "ok" if c["deviation"] <= c["allowed_deviation"] else "OFF",
                "line": c["source_line"],
            }
            for c in report["tag_claims"]
        ]
        out.append(_rows_table(rows))
    out.append(f"<h2>Every check ({len(outcomes)})</h2>")
    out.append(
        _rows_table(
            [
                {
                    "suite": o["suite"],
                    "check": o["check"],
                    "severity": o["severity"],
                    "result": "passed" if o["success"] else "FAILED",
                    "asserts": o["why"],
                }
                for o in outcomes
            ]
        )
    )
    out.append(pages.foot())
    return "\n".join(out)
