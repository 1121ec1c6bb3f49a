"""The editors' duplicate review: one offline HTML page and a CSV in the decisions file's column order. Pure."""

import csv
import html
import io
import re

from pipeline.dedup.decisions import COLUMNS
from pipeline.dedup.score import DEFAULT, TOKEN, Settings, shared_terms

ANY_CASE_TOKEN = re.compile(TOKEN.pattern, re.IGNORECASE)
PAGE_PAIRS = 2000  # pairs shown per section of the page, best first; duplicates.csv holds them all
CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1200px;color:#222}
h1{font-size:1.5em}h2{margin-top:2em;border-bottom:2px solid #ddd}
nav a{margin-right:1.2em}.pair,.group{border:1px solid #ccc;border-radius:6px;margin:1em 0;padding:.6em 1em}
.uncertain{border-color:#d9a400;background:#fffbea}.confirmed{background:#eef8ee}.distinct{background:#f4f4f4;color:#666}
.sides{display:grid;grid-template-columns:1fr 1fr;gap:1em}.meta{color:#666;font-size:.9em}
mark{background:#ffe08a;padding:0 .1em}.score{font-weight:600}table{border-collapse:collapse}
td,th{padding:.2em .6em;border-bottom:1px solid #eee;text-align:left}
"""


def highlighted(text: str, shared: frozenset) -> str:
    """Return `text` as HTML with the shared terms wrapped in <mark>."""
    parts, last = [], 0
    for match in ANY_CASE_TOKEN.finditer(text):
        if match.group().lower() in shared:
            parts += [html.escape(text[last : match.start()]), f"<mark>{html.escape(match.group())}</mark>"]
            last = match.end()
    return "".join(parts) + html.escape(text[last:])


def _question_side(question: dict, shared: frozenset) -> str:
    return (
        f'<div><div class="meta">{html.escape(question["label"])} · section {html.escape(question["section_id"])} · '
        f'line {question["source_line"]} · [{html.escape(str(question["tag"]))}] · <code>{question["question_id"]}</code></div>'
        f"<div>{highlighted(question['text'], shared)}</div></div>"
    )


def _pair_article(pair: dict, by_id: dict, css_class: str) -> str:
    a, b = by_id[pair["question_id_a"]], by_id[pair["question_id_b"]]
    shared = shared_terms(a["text"], b["text"])
    names = ("word_score", "char_score", "fuzz_score", "rare_score", "lexical_score", "semantic_score")
    parts = " · ".join(f"{name.removesuffix('_score')} {pair[name]:.2f}" for name in names if pair.get(name) is not None)
    return (
        f'<article class="pair {css_class}" data-question-id-a="{a["question_id"]}" data-question-id-b="{b["question_id"]}" '
        f'data-score="{pair["score"]:.4f}" data-status="{html.escape(pair["status"])}">'
        f'<div><span class="score">score {pair["score"]:.3f}</span> <span class="meta">({parts})</span> — '
        f'<strong>{html.escape(pair["status"])}</strong></div><div class="sides">{_question_side(a, shared)}{_question_side(b, shared)}</div></article>'
    )


def review_sets(pairs: list[dict], settings: Settings) -> dict[str, list[dict]]:
    """Return the pairs an editor should see, by section: to review, uncertain band, decided."""
    low = settings.threshold - settings.review_band
    return {
        "review": [p for p in pairs if p["status"] == "needs review"],
        "uncertain": [p for p in pairs if p["decision"] is None and low <= p["score"] < settings.threshold],
        "decided": [p for p in pairs if p["decision"] is not None],
    }


def render_html(questions: list[dict], tables: dict, settings: Settings = DEFAULT) -> str:
    """Return the review page: summary, groups, pairs to review, the uncertain band, decided pairs, stale decisions.

    `tables["review_pairs"]` holds the pairs an editor should see (rows); `tables["counts"]` the bank's totals.
    """
    by_id = {q["question_id"]: q for q in questions}
    pairs, clusters, decisions = tables["review_pairs"], tables["duplicate_clusters"], tables["duplicate_decisions"]
    counts = tables["counts"]
    sets = review_sets(pairs, settings)
    stale = [d for d in decisions if d["is_stale"]]
    groups: dict[str, list[str]] = {}
    for row in clusters:
        groups.setdefault(row["cluster_id"], []).append(row["question_id"])
    out = [
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>Duplicate review</title>",
        f"<style>{CSS}</style></head><body><h1>Duplicate review</h1>",
        f"<p>{len(questions)} questions, {counts['pairs']} candidate pairs scored. Flagged at score ≥ {settings.threshold}: "
        f"{counts['flagged']} pairs in {len(groups)} groups; {len(sets['review'])} need review, "
        f"{len(sets['uncertain'])} in the uncertain band ({settings.threshold - settings.review_band:.2f}–{settings.threshold:.2f}), "
        f"{len(sets['decided'])} decided, {len(stale)} stale decisions.</p>",
        '<nav><a href="#groups">groups</a><a href="#review">to review</a><a href="#uncertain">uncertain band</a>'
        '<a href="#decided">decided</a><a href="#stale">stale decisions</a></nav>',
        f'<h2 id="groups">Groups ({len(groups)})</h2>',
    ]
    for cluster_id, members in groups.items():
        items = "".join(
            f'<li>{html.escape(by_id[m]["label"])} (line {by_id[m]["source_line"]}): {html.escape(by_id[m]["text"])}</li>' for m in members
        )
        out.append(f'<div class="group" data-cluster-id="{cluster_id}"><strong>{cluster_id}</strong> · {len(members)} questions<ul>{items}</ul></div>')
    sections = [
        ("review", "Flagged, to review", ""),
        ("uncertain", "Uncertain band: just below the threshold", "uncertain"),
        ("decided", "Decided by editors", "confirmed"),
    ]
    for key, title, css_class in sections:
        out.append(f'<h2 id="{key}">{title} ({len(sets[key])})</h2><section data-section="{key}">')
        if len(sets[key]) > PAGE_PAIRS:
            out.append(f"<p>The {PAGE_PAIRS} best-scoring of {len(sets[key])} are shown; <code>duplicates.csv</code> holds them all.</p>")
        for pair in sets[key][:PAGE_PAIRS]:
            kind = css_class if key != "decided" else ("confirmed" if pair["decision"] == "duplicate" else "distinct")
            out.append(_pair_article(pair, by_id, kind))
        out.append("</section>")
    out.append(f'<h2 id="stale">Stale decisions ({len(stale)})</h2><p>A question of each pair below no longer exists (text edited or removed).</p><table><tr><th>line</th><th>question a</th><th>question b</th><th>verdict</th><th>reviewer</th></tr>')
    out += [
        f'<tr data-stale-line="{d["source_line"]}"><td>{d["source_line"]}</td><td><code>{d["question_id_a"]}</code></td><td><code>{d["question_id_b"]}</code></td>'
        f"<td>{html.escape(d['verdict'])}</td><td>{html.escape(d['reviewer'])}</td></tr>"
        for d in stale
    ]
    out.append("</table></body></html>")
    return "\n".join(out)


def render_csv(questions: list[dict], tables: dict, settings: Settings = DEFAULT) -> str:
    """Return the review CSV: the decisions file's columns first (verdicts pre-filled), then score, status and texts.

    It holds every pair an editor should see and every stale decision, so saving it as the decisions
    file keeps all decisions made so far.
    """
    by_id = {q["question_id"]: q for q in questions}
    decisions = {(d["question_id_a"], d["question_id_b"]): d for d in tables["duplicate_decisions"]}
    sets = review_sets(tables["review_pairs"], settings)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS + ("score", "status", "label_a", "label_b", "text_a", "text_b"))
    seen = set()
    for pair in sets["review"] + sets["uncertain"] + sets["decided"]:
        key = (pair["question_id_a"], pair["question_id_b"])
        if key in seen:
            continue
        seen.add(key)
        decision = decisions.get(key, {})
        writer.writerow(
            [key[0], key[1], decision.get("verdict", ""), decision.get("reviewer", ""), decision.get("decided_on", ""), decision.get("note") or "",
             f"{pair['score']:.4f}", pair["status"], pair["label_a"], pair["label_b"], by_id[key[0]]["text"], by_id[key[1]]["text"]]
        )  # fmt: skip
    for decision in tables["duplicate_decisions"]:
        if decision["is_stale"]:
            writer.writerow(
                [decision["question_id_a"], decision["question_id_b"], decision["verdict"], decision["reviewer"], decision["decided_on"],
                 decision["note"] or "", "", "stale", "", "", "", ""]
            )  # fmt: skip
    return buffer.getvalue()
