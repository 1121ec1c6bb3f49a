"""The tag audit report (reports/tag_audit.md and .html): suspects, counts, the confusion matrix, the tags in use. Pure."""

import re
from collections import Counter
from html import escape
from pathlib import Path

from pipeline.escaping import markdown_text as md

OPENER = re.compile(r"[A-Za-z’']+")


def tag_counts(tags_table: list[dict], rows: list[dict]) -> list[dict]:
    """Return per tag: the count the appendix states, the count as tagged, and the count if every suspect took its suggestion."""
    tagged = Counter(r["tag"] for r in rows)
    retagged = Counter(r["suggested_tag"] if r["is_suspect"] else r["tag"] for r in rows)
    out = []
    for tag in [t["tag"] for t in tags_table]:
        stated = next((t for t in tags_table if t["tag"] == tag), {})
        out.append(
            {
                "tag": tag,
                "stated": stated.get("stated_count"),
                "approximate": bool(stated.get("is_approximate")),
                "tagged": tagged.get(tag, 0),
                "if_retagged": retagged.get(tag, 0),
            }
        )
    return out


def usage(questions: list[dict], top: int = 4) -> dict[str, list[tuple[str, int]]]:
    """Return, per tag, its questions' most frequent openers (first two words): the tags as the bank uses them."""
    openers: dict[str, Counter] = {}
    for question in questions:
        words = OPENER.findall(question["text"])[:2]
        openers.setdefault(question["tag"], Counter())[" ".join(words).lower()] += 1
    return {tag: counts.most_common(top) for tag, counts in sorted(openers.items(), key=lambda kv: str(kv[0]))}


def confusion(rows: list[dict], classes: list[str]) -> list[list[int]]:
    """Return the confusion matrix: rows the tag as written, columns the out-of-fold model's most likely tag."""
    index = {c: i for i, c in enumerate(classes)}
    matrix = [[0] * len(classes) for _ in classes]
    for row in rows:
        if row["tag"] in index and row["suggested_tag"] in index:
            matrix[index[row["tag"]]][index[row["suggested_tag"]]] += 1
    return matrix


def confusion_rows(matrix: list[list[int]], classes: list[str]) -> list[list]:
    """Return the confusion matrix as table rows: the tag as written, then one count per most likely tag, then the total."""
    return [[tag, *row, sum(row)] for tag, row in zip(classes, matrix)]


def _confusion_html(matrix: list[list[int]], classes: list[str]) -> str:
    """Return the confusion matrix as an HTML table, each cell shaded by its count (no image: readable, copyable)."""
    if not classes:
        return "<p>Too few tagged questions to audit: a tag needs at least two questions, and two tags are needed.</p>"
    peak = max(max(row) for row in matrix) or 1
    head = "".join(f"<th>{escape(c)}</th>" for c in classes)
    out = [f"<table class=confusion><tr><th>tag as written ↓ · most likely →</th>{head}<th>total</th></tr>"]
    for tag, *counts, total in confusion_rows(matrix, classes):
        cells = "".join(
            f'<td style="background:rgba(59,110,168,{0.85 * n / peak:.2f});color:{"#fff" if n > peak / 2 else "#222"}">{n}</td>'
            for n in counts
        )
        out.append(f"<tr><th>{escape(tag)}</th>{cells}<td>{total}</td></tr>")
    return "".join(out) + "</table>"


def _percent(value) -> str:
    return "n/a" if value is None or value != value else f"{value:.0%}"


def _stated(row: dict) -> str:
    return "—" if row["stated"] is None else ("~" if row["approximate"] else "") + str(row["stated"])


def view(
    questions: list[dict], sections: list[dict], rows: list[dict], decisions: list[dict], tags_table: list[dict], accuracy: float
) -> dict:
    """Return what both renderings show."""
    by_id = {q["question_id"]: q for q in questions}
    titles = {s["section_id"]: s["title"] for s in sections}
    # the queue: suspects no editor has decided (a retag verdict leaves it for the edits to make)
    suspects = sorted((r for r in rows if r["is_suspect"] and not r["verdict"]), key=lambda r: r["suspect_rank"])
    # an edit to make until the appendix carries the new tag: at the line the tag sits on (`tag_line`); `line` is the
    # question's, as everywhere
    edits = [r for r in rows if (r["verdict"] or "").startswith("retag:") and r["tag"] != r["verdict"].removeprefix("retag:")]
    edit_rows = [
        {
            **r,
            "line": by_id[r["question_id"]]["source_line"],
            "tag_line": by_id[r["question_id"]]["tag_line"] or by_id[r["question_id"]]["source_line"],
            "to": r["verdict"].removeprefix("retag:"),
        }
        for r in edits
    ]
    return {
        "accuracy": accuracy,
        "suspects": [
            {
                **r,
                "text": by_id[r["question_id"]]["text"],
                "line": by_id[r["question_id"]]["source_line"],
                "section": f"{by_id[r['question_id']]['section_id']} {titles.get(by_id[r['question_id']]['section_id'], '')}",
            }
            for r in suspects
        ],
        "edits": edit_rows,
        "review": review_data(questions, sections, suspects, decisions, tags_table)
        | {"edits": [{k: e[k] for k in ("question_id", "label", "line", "tag_line", "tag", "to")} for e in edit_rows]},
        "kept": sum(r["verdict"] == "keep" for r in rows),
        "stale": [d for d in decisions if d["is_stale"]],
        "counts": tag_counts(tags_table, rows),
        "usage": usage(questions),
    }


def review_data(
    questions: list[dict], sections: list[dict], queue: list[dict], decisions: list[dict], tags_table: list[dict]
) -> dict:
    """Return what the review app needs: the undecided suspects in rank order, each with its section neighbours, the
    declared tags (one key each) and the file's verdicts (the static page's file-wins rule reads them)."""
    by_id = {q["question_id"]: q for q in questions}
    titles = {s["section_id"]: s["title"] for s in sections}
    ordered = sorted(questions, key=lambda q: q["source_line"])
    place = {q["question_id"]: i for i, q in enumerate(ordered)}

    def neighbour(q, step):
        i = place[q["question_id"]] + step
        other = ordered[i] if 0 <= i < len(ordered) else None
        return {"label": other["label"], "text": other["text"]} if other and other["section_id"] == q["section_id"] else None

    # a verdict made before its question was reworded (its id is gone) under the label a suspect now has: offered to
    # carry forward, as the duplicate page offers `c` (its stale row is then retired)
    earlier = {d["label"]: d for d in decisions if d["is_stale"] and d["label"]}

    def before_edit(label):
        d = earlier.get(label)
        return {"question_id": d["question_id"], "verdict": d["verdict"], "reviewer": d["reviewer"], "date": d["decided_on"],
                "note": d["note"] or ""} if d else None  # fmt: skip

    def item(r):
        q = by_id[r["question_id"]]
        return {
            "question_id": r["question_id"], "label": r["label"], "tag": r["tag"], "suggested": r["suggested_tag"],
            "tag_probability": r["tag_probability"], "suggested_probability": r["suggested_probability"],
            "text": q["text"], "line": q["source_line"], "tag_line": q["tag_line"] or q["source_line"], "section": f"{q['section_id']} {titles.get(q['section_id'], '')}",
            "before": neighbour(q, -1), "after": neighbour(q, 1), "earlier": before_edit(r["label"]),
        }  # fmt: skip

    declared = sorted((t for t in tags_table if t["is_declared"]), key=lambda t: t["declared_position"] or 0)
    return {
        "queue": [item(r) for r in queue],
        "tags": [t["tag"] for t in declared],
        "decisions": [
            {k: d[k] for k in ("question_id", "label", "verdict", "reviewer")} | {"date": d["decided_on"]}
            for d in decisions
            if not d["is_stale"]
        ],
        "columns": ["question_id", "label", "verdict", "reviewer", "date", "note"],
    }


def render_markdown(v: dict) -> str:
    """Return the audit as Markdown."""
    lines = [
        "# Tag audit",
        "",
        f"A model that never saw a question predicts its tag (5-fold cross-validation, accuracy {_percent(v['accuracy'])}); "
        f"cleanlab's confident learning flags the questions whose tag the model finds unlikely. {len(v['suspects'])} suspects, "
        f"{v['kept']} tags kept by an editor, {len(v['edits'])} edits to make, {len(v['stale'])} stale decisions.",
        "",
        "## Counts per tag",
        "",
        "| tag | stated | tagged | if every suspect took its suggestion |",
        "|---|---|---|---|",
    ]
    lines += [f"| {md(c['tag'])} | {_stated(c)} | {c['tagged']} | {c['if_retagged']} |" for c in v["counts"]]
    if v.get("classes"):
        lines += [
            "",
            "## Confusion matrix",
            "",
            "Rows: the tag as written; columns: the out-of-fold model's most likely tag.",
            "",
            "| tag as written | " + " | ".join(map(md, v["classes"])) + " | total |",
            "|---" * (len(v["classes"]) + 2) + "|",
        ]
        lines += ["| " + " | ".join(md(x) for x in row) + " |" for row in confusion_rows(v["confusion"], v["classes"])]
    lines += [
        "",
        "## Suspects",
        "",
        "| rank | label | question's line | tag (probability) | suggested (probability) | question |",
        "|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {s['suspect_rank']} | {md(s['label'])} | {s['line']} | {md(s['tag'])} ({_percent(s['tag_probability'])}) | "
        f"{md(s['suggested_tag'])} ({_percent(s['suggested_probability'])}) | {md(s['text'])} |"
        for s in v["suspects"]
    ]
    if v["edits"]:
        lines += ["", "## Edits to make in the appendix (editors' retag verdicts)", ""]
        lines += [
            f"- {md(e['label'])} (question on line {e['line']}): the tag on line {e['tag_line']}, \\[{md(e['tag'])}\\] → \\[{md(e['to'])}\\]"
            for e in v["edits"]
        ]
    lines += [
        "",
        "## The tags as the bank uses them",
        "",
        "The appendix declares the six tags but does not define them; their questions' most frequent openers:",
        "",
    ]
    lines += [f"- **{md(tag)}**: " + ", ".join(f"“{md(o)}” ({n})" for o, n in openers) for tag, openers in v["usage"].items()]
    return "\n".join(lines) + "\n"


CSS = (
    "body{font:14px/1.45 system-ui,sans-serif;margin:1.5em auto;max-width:1200px;padding:0 1em;color:#222}"
    "table{border-collapse:collapse}td,th{padding:.25em .6em;border-bottom:1px solid #eee;text-align:left;vertical-align:top}"
    "h2{margin-top:1.6em;border-bottom:2px solid #ddd}.confusion td{text-align:center;min-width:4em}"
    # a long table scrolls in its own box at 800 px, never the page sideways; question texts wrap
    "table{display:block;max-width:100%;overflow-x:auto}td{overflow-wrap:anywhere}"
    "#review{background:#f7f9fc;border:1px solid #d6deeb;border-radius:6px;padding:.4em 1em 1em}"
    ".suspect .text{font-size:1.15em;margin:.4em 0}.context{color:#666;font-size:.92em;border-left:3px solid #ccc;padding-left:.5em}"
    ".keys button{margin:.15em}.done{background:#e7f5e9;border:1px solid #9fd0a8;border-radius:4px;padding:.5em .8em}"
    "kbd{border:1px solid #bbb;border-radius:3px;padding:0 .3em;background:#fff;font-size:.9em}.meta{color:#666}"
)


PAGE = Path(__file__).resolve().parent / "page"
REVIEW_HTML = """<section id="review" aria-label="review"><h2>Review, one suspect at a time</h2>
<p class="meta">Keys: <kbd>k</kbd> keep the tag · <kbd>1</kbd>–<kbd>6</kbd> the tag it should carry (its own number keeps it) ·
<kbd>j</kbd>/<kbd>→</kbd> next · <kbd>←</kbd> previous · <kbd>z</kbd> undo · <kbd>e</kbd> export (static page) · <kbd>?</kbd> help.
Keys do nothing while you type in a field or a dialog is open: <kbd>Esc</kbd> leaves it.</p>
<p id="mode" class="meta"></p>
<div class="bar"><label>Reviewer <input id="reviewer" placeholder="your name" size="12"></label>
<label>Note <input id="note" placeholder="sent with your next verdict (then Esc)" size="30" maxlength="500"></label>
<button id="export" type="button">Export tag decisions</button> <span id="pending"></span></div>
<p id="tally"></p><p id="others" class="meta" aria-live="polite"></p>
<div id="card"></div></section>
<dialog id="help"><h2>Keys</h2><p><kbd>k</kbd> keep · <kbd>1</kbd>–<kbd>6</kbd> retag (own tag: keep) · <kbd>j</kbd>/<kbd>→</kbd> next ·
<kbd>←</kbd> previous · <kbd>z</kbd> undo · <kbd>e</kbd> export · <kbd>Esc</kbd> closes this; keys do nothing while it is open.</p>
<button type="button" id="close-help">Close</button></dialog>"""


def render_html(v: dict) -> str:
    """Return the audit as one offline page; every value escaped."""

    def cells(values):
        return "<tr>" + "".join(f"<td>{escape(str(x))}</td>" for x in values) + "</tr>"

    from pipeline import pages

    out = [
        pages.head("Tag audit", CSS),
        pages.nav("tag_audit.html"),
        "<h1>Tag audit</h1>",
        f"<p>A model that never saw a question predicts its tag (5-fold cross-validation, accuracy {_percent(v['accuracy'])}); cleanlab's "
        "confident learning flags the questions whose tag the model finds unlikely (the counts, kept live by the review "
        f"below: {len(v['suspects'])} suspects to decide when this page was built). Decide them below: with "
        "<code>make review</code> each verdict goes straight into <code>raw/tag_decisions.csv</code>; on this page opened "
        "from its file, export them (<kbd>e</kbd>) and save over that file (<code>keep</code> or <code>retag:&lt;tag&gt;</code>).</p>",
        REVIEW_HTML,
        f'<script type="application/json" id="data">{pages.json_for_script(v["review"])}</script>',
        "<h2>Counts per tag</h2><table><tr><th>tag</th><th>stated</th><th>tagged</th><th>if every suspect took its suggestion</th></tr>",
    ]
    out += [cells([c["tag"], _stated(c), c["tagged"], c["if_retagged"]]) for c in v["counts"]]
    out.append("</table><h2>Confusion matrix</h2>" + _confusion_html(v.get("confusion", []), v.get("classes", [])))
    out.append(
        f"<h2>Suspects ({len(v['suspects'])})</h2><table><tr><th>rank</th><th>label</th><th>question's line</th><th>section</th><th>tag</th>"
        "<th>probability</th><th>suggested</th><th>probability</th><th>question</th></tr>"
    )
    out += [
        cells(
            [
                s["suspect_rank"],
                s["label"],
                s["line"],
                s["section"],
                s["tag"],
                _percent(s["tag_probability"]),
                s["suggested_tag"],
                _percent(s["suggested_probability"]),
                s["text"],
            ]
        )
        for s in v["suspects"]
    ]
    out.append("</table>")
    if v["edits"]:
        out.append(
            "<h2>Edits to make in the appendix</h2><p>Each tag sits on its own line, after its question: edit the tag's line.</p>"
            "<table><tr><th>tag's line</th><th>label</th><th>question's line</th><th>from</th><th>to</th></tr>"
        )
        out += [cells([e["tag_line"], e["label"], e["line"], e["tag"], e["to"]]) for e in v["edits"]]
        out.append("</table>")
    if v["stale"]:
        out.append(
            "<h2>Stale decisions</h2><table><tr><th>line</th><th>label then</th><th>verdict</th><th>reviewer</th><th>date</th></tr>"
        )
        out += [cells([d["source_line"], d["label"] or "", d["verdict"], d["reviewer"], d["decided_on"]]) for d in v["stale"]]
        out.append("</table>")
    out.append(
        "<h2>The tags as the bank uses them</h2><p>The appendix declares the six tags but does not define them; their questions' most frequent openers:</p><ul>"
    )
    out += [
        f"<li><strong>{escape(str(tag))}</strong>: " + escape(", ".join(f"“{o}” ({n})" for o, n in openers)) + "</li>"
        for tag, openers in v["usage"].items()
    ]
    out.append("</ul>")
    out.append(
        f"<script>{pages.asset('workbench.js')}</script><script>{(PAGE / 'review.js').read_text(encoding='utf-8')}</script>"
    )
    out.append(pages.foot())
    return "\n".join(out)
