"""The external coverage report: covered and missing questions per external section, and the appendix sections
the external bank never asks about. Pure: rows in, Markdown and HTML out."""

import html

from pipeline.escaping import markdown_text as md
from pipeline.limits import READING_CONFIDENCE

KINDS = ("covered", "near", "missing")
UNRELATED_MARGIN = 0.12  # a best match this far below the near band is not shown as a match
MARKS = {"covered": "✓", "near": "≈", "missing": "✗"}


def coverage_view(
    bank: dict,
    external: list[dict],
    coverage: list[dict],
    questions: list[dict],
    sections: list[dict],
    near_from: float,
    parts: list[dict] = (),
) -> dict:
    """Return what the report shows of one bank: per external section its covered, near and missing questions, and
    which layout read which of its lines (`parts`: its `external_layout_parts` rows).

    `near` is a question not covered whose best match scores at least `near_from` (the review band): worth a look.
    """
    by_id = {q["question_id"]: q for q in questions}
    cover = {c["external_question_id"]: c for c in coverage}
    per_section: dict[str, dict] = {}
    for item in external:
        match = cover[item["external_question_id"]]
        best = by_id.get(match["question_id"])
        entry = {
            "number": item["number"],
            "text": item["text"],
            "line": item["source_line"],
            "score": match["score"],
            "label": best["label"] if best else None,
            "match": best["text"] if best else None,
        }
        group = per_section.setdefault(item["section"] or "(no section)", {kind: [] for kind in KINDS})
        kind = "covered" if match["is_covered"] else ("near" if match["score"] >= near_from else "missing")
        entry["kind"] = kind
        entry["related"] = match["score"] >= near_from - UNRELATED_MARGIN  # below this the best match is no match at all
        group[kind].append(entry)
    asked = {c["section_id"] for c in coverage if c["is_covered"]}
    never = [s for s in sections if s["section_id"] not in asked]
    return {
        "bank": bank,
        "parts": list(parts),
        "covered": sum(c["is_covered"] for c in coverage),
        "near": sum(len(g["near"]) for g in per_section.values()),
        "total": len(external),
        "sections": per_section,
        "never_asked": [(s["section_id"], s["title"]) for s in never],
    }


def _size_line(bank: dict) -> str:
    if bank["stated_count"] is None:
        return f"The file holds {bank['questions']} questions; the appendix states no size for it."
    verdict = "agrees" if bank["stated_count"] == bank["questions"] else "disagrees"
    return (
        f"The file holds {bank['questions']} questions; the appendix states {bank['stated_count']} "
        f"(line {bank['stated_line']}, as “{bank['stated_as']}”): it {verdict}."
    )


def read_as(bank: dict, parts: list[dict]) -> str:
    """Return which layout read which lines of the bank, in words, and the layout it was told or chose."""
    told = "chosen by auto" if bank["layout"] == "auto" else "as the registry says"
    spans = "; ".join(
        f"{p['layout']}, lines {p['first_line']}–{p['last_line']} ({p['questions']} question{'s' * (p['questions'] != 1)})"
        for p in parts
    )
    sure = bank.get("reading_confidence")
    doubt = (
        f" Reading confidence {sure:.2f}, below {READING_CONFIDENCE}: lines in doubt {bank['lines_in_doubt']}."
        if sure is not None and sure < READING_CONFIDENCE
        else (f" Reading confidence {sure:.2f}." if sure is not None else "")
    )
    said = f"Read as {bank['layout_used']} ({told}): {spans}." if parts else f"Read as {bank['layout_used']} ({told})."
    return said + doubt


def render_markdown(views: list[dict], threshold: float, near_from: float) -> str:
    """Return the Markdown report of every bank."""
    out = [
        "# External question banks: coverage by the appendix",
        "",
        f"An external question counts as covered (✓) when its best appendix match scores at least {threshold} "
        f"(the duplicate threshold, `make eval-dedup`): the appendix asks it in essentially the same form. "
        f"Near (≈): its best match scores {near_from:.2f}–{threshold}, worth an editor's look. Missing (✗): below.",
        "",
    ]
    for view in views:
        bank = view["bank"]
        out += [
            f"## {md(bank['name'])}",
            "",
            f"Source: {md(bank['source'])}; licence: {md(bank['licence'])}.",
            "",
            md(_size_line(bank)),
            "",
            md(read_as(bank, view["parts"])),
            "",
            f"Covered: {view['covered']} of {view['total']} questions; near: {view['near']}.",
            "",
            "| section | questions | covered | near | missing |",
            "|---|---|---|---|---|",
        ]
        out += [
            f"| {md(name)} | {sum(len(g[k]) for k in KINDS)} | {len(g['covered'])} | {len(g['near'])} | {len(g['missing'])} |"
            for name, g in view["sections"].items()
        ]
        for name, group in view["sections"].items():
            out += ["", f"### {md(name)}", ""]
            for e in _in_order(group):
                match = (
                    f"best match {md(e['label'])} ({e['score']:.2f}): {md(e['match'])}"
                    if e["related"]
                    else f"no close match (best score {e['score']:.2f})"
                )
                out.append(
                    f"- {MARKS[e['kind']]} {md(e['number'])}. {md(e['text'])} (line {e['line']} of {md(bank['file'])}) — {match}"
                )
        out += ["", "### Appendix sections this bank never asks about", ""]
        out += [f"- {md(sid)} {md(title)}" for sid, title in view["never_asked"]] or ["- none"]
        out.append("")
    return "\n".join(out)


def _in_order(group: dict) -> list[dict]:
    """Return a section's questions in the bank's order (by number, then line), whatever their coverage."""
    return sorted((e for kind in KINDS for e in group[kind]), key=lambda e: (e["number"] is None, e["number"] or 0, e["line"]))


def render_html(views: list[dict], threshold: float, near_from: float) -> str:
    """Return the HTML report of every bank: one offline page."""
    from pipeline import pages

    # the text stays black; a mark in the first cell says the kind (a page of red text is hard to read)
    css = (
        "td.mark{font-weight:700;text-align:center}.covered td.mark{color:#1d6b1d}.missing td.mark{color:#8c8c8c}"
        ".near td.mark{color:#8a6d00}body.uncovered-only tr.covered{display:none}.filter{margin:.4em 0}"
    )
    out = [
        pages.head("External coverage", css),
        pages.nav("external_coverage.html"),
        "<h1>External question banks: coverage by the appendix</h1>",
        f"<p>Covered (✓): best appendix match scores at least {threshold}. Near (≈): {near_from:.2f}–{threshold}, worth a look. Missing (✗): below.</p>",
        '<p class="filter"><label><input type="checkbox" id="uncovered-only"> show only the questions the appendix does not cover</label></p>',
    ]
    esc = lambda v: html.escape(str(v)) if v is not None else ""  # noqa: E731
    for view in views:
        bank = view["bank"]
        out.append(
            f"<h2>{esc(bank['name'])}</h2><p class=meta>Source: {esc(bank['source'])}; licence: {esc(bank['licence'])}.</p>"
        )
        out.append(
            f"<p>{esc(_size_line(bank))}</p><p data-layout-parts>{esc(read_as(bank, view['parts']))}</p><p>Covered: <strong>{view['covered']}</strong> of {view['total']} questions; near: {view['near']}.</p>"
        )
        for name, group in view["sections"].items():
            out.append(
                f"<h3>{esc(name)}</h3><table><tr><th></th><th>external question</th><th>best appendix match</th><th>score</th></tr>"
            )
            for e in _in_order(group):
                match = (
                    f"{esc(e['label'])}: {esc(e['match'])}"
                    if e["related"]
                    else "<span class=meta>no close match in the appendix</span>"
                )
                out.append(
                    f'<tr class="{e["kind"]}" data-coverage="{e["kind"]}"><td class="mark">{MARKS[e["kind"]]}</td>'
                    f"<td>{esc(e['number'])}. {esc(e['text'])} <span class=meta>(line {e['line']} of {esc(bank['file'])})</span></td>"
                    f"<td>{match}</td><td>{e['score']:.2f}</td></tr>"
                )
            out.append("</table>")
        out.append("<h3>Appendix sections this bank never asks about</h3><ul>")
        out += [f'<li data-never-asked="{esc(sid)}">{esc(sid)} {esc(title)}</li>' for sid, title in view["never_asked"]]
        out.append("</ul>")
    out.append(
        "<script>document.getElementById('uncovered-only').addEventListener('change', function (event) {"
        " document.body.classList.toggle('uncovered-only', event.target.checked); });</script>"
    )
    out.append(pages.foot())
    return "\n".join(out)
