"""The editors' duplicate review: one offline page (the review app) and a CSV in the decisions file's format. Pure.

The page is a single HTML file: its data sits in a `<script type="application/json">` block (every `<`, `>` and
`&` escaped as a JSON `\\u` sequence, so no value can close the block), and the plain JavaScript beside this module
(`page/review.js`) builds the page with `textContent` only: no value from the bank or an editor's file is ever
parsed as HTML. No network, no server: it works from `file://`.
"""

import csv
import io
import re
from pathlib import Path

from pipeline.csvrows import neutralised
from pipeline.dedup.decisions import COLUMNS, CONTEXT
from pipeline.similarity import subject
from pipeline.similarity.score import DEFAULT, Settings, score_steps, shared_terms

PAGE = Path(__file__).parent / "page"
EXPORT_COLUMNS = COLUMNS + CONTEXT
COMPONENT_NAMES = {
    "semantic_score": "semantic",
    "lexical_score": "lexical",
    "word_score": "words",
    "char_score": "characters",
    "fuzz_score": "token set",
    "rare_score": "rare terms",
    "subject_agreement": "names agree",
    "subject_conflict": "names conflict",
}


def _bank_order(questions: list[dict]) -> dict[str, int]:
    return {q["question_id"]: i for i, q in enumerate(questions)}


def _closest(text: str, label: str | None, questions: list[dict]) -> dict | None:
    """Return the current question most like an old text (or at the old label when the text is unknown)."""
    if text:
        from rapidfuzz import fuzz, process

        best = process.extractOne(text, [q["text"] for q in questions], scorer=fuzz.token_set_ratio)
        if best and best[1] >= 60:
            return questions[best[2]]
    return next((q for q in questions if label and q["label"] == label), None)


def stale_views(decisions: list[dict], questions: list[dict]) -> list[dict]:
    """Return each stale decision with both sides then (from the decisions file) and now (the closest current question)."""
    by_id = {q["question_id"]: q for q in questions}
    views = []
    for d in (d for d in decisions if d["is_stale"]):
        sides = {}
        for side in ("a", "b"):
            qid = d[f"question_id_{side}"]
            now = by_id.get(qid) or _closest(d.get(f"text_{side}") or "", d.get(f"label_{side}"), questions)
            sides[side] = {
                "id": qid,
                "changed": qid not in by_id,
                "label_then": d.get(f"label_{side}"),
                "text_then": d.get(f"text_{side}"),
                "now_id": now["question_id"] if now else None,
            }
        views.append(
            {
                "verdict": d["verdict"],
                "reviewer": d["reviewer"],
                "date": d["decided_on"],
                "note": d["note"],
                "line": d["source_line"],
                **sides,
            }
        )
    return views


# A question that leans on the one before it: "…from that calculation?", "Given this design, …", "What about the
# above?". The page shows the preceding question of its section beside it.
REFERS_BACK = re.compile(
    r"^(and|so|then|also|now|next|given (that|this|these|the above)|building on|following (up|on))\b"
    r"|\b(that|this|these|those|the above|the previous|the same|such an?)\s+(calculation|estimate|design|approach|model|"
    r"system|setup|set-up|answer|number|figure|result|case|scenario|question|pipeline|architecture|method|plan|budget)s?\b"
    r"|\b(the above|above question|previous question|from (that|this|there))\b",
    re.IGNORECASE,
)


def refers_back(text: str) -> bool:
    """Return whether a question's wording leans on the question before it. Pure."""
    return bool(REFERS_BACK.search(text))


def _previous_in_section(questions: list[dict], order: dict[str, int]) -> dict[str, str]:
    """Return each question's preceding question in its section (by id), in the bank's order."""
    out, last = {}, {}
    for q in sorted(questions, key=lambda q: order[q["question_id"]]):
        if q["section_id"] in last:
            out[q["question_id"]] = last[q["section_id"]]
        last[q["section_id"]] = q["question_id"]
    return out


def page_data(
    questions: list[dict], tables: dict, chapters: list[dict], sections: list[dict], settings: Settings = DEFAULT
) -> dict:
    """Return everything the review page shows, as plain JSON-ready values."""
    order = _bank_order(questions)
    chapter_titles = {c["chapter_id"]: c["title"] for c in chapters}
    section_titles = {s["section_id"]: s["title"] for s in sections}
    cluster_of = {row["question_id"]: row["cluster_id"] for row in tables["duplicate_clusters"]}
    stale = stale_views(tables["duplicate_decisions"], questions)
    earlier = {frozenset((v["a"]["now_id"], v["b"]["now_id"])): v for v in stale if v["a"]["now_id"] and v["b"]["now_id"]}
    file_decisions = {(d["question_id_a"], d["question_id_b"]): d for d in tables["duplicate_decisions"] if not d["is_stale"]}
    by_id = {q["question_id"]: q for q in questions}
    pairs = []
    for p in tables["review_pairs"]:
        a, b = sorted((p["question_id_a"], p["question_id_b"]), key=order.__getitem__)  # the earlier question on the left
        text_a, text_b = by_id[a]["text"], by_id[b]["text"]
        decision = file_decisions.get((p["question_id_a"], p["question_id_b"]))
        back = earlier.get(frozenset((a, b)))
        pairs.append(
            {
                "a": a,
                "b": b,
                "score": p["score"],
                "status": p["status"],
                "queue_rank": p.get("queue_rank"),
                "components": {label: p[name] for name, label in COMPONENT_NAMES.items() if p.get(name) is not None},
                "steps": [[name, delta] for name, delta in score_steps(p, settings) if delta],
                "same_section": bool(p.get("is_same_section")),
                "shared": sorted(shared_terms(text_a, text_b)),
                "shared_names": sorted(subject.names(text_a) & subject.names(text_b)),
                "group": cluster_of.get(a) or cluster_of.get(b),
                "decision": (
                    {
                        "verdict": decision["verdict"],
                        "reviewer": decision["reviewer"],
                        "date": decision["decided_on"],
                        "note": decision["note"],
                        "cut": decision.get("cut"),
                    }
                    if decision
                    else None
                ),
                "earlier": (
                    {"verdict": back["verdict"], "reviewer": back["reviewer"], "date": back["date"], "note": back["note"]}
                    if back
                    else None
                ),
            }
        )
    previous = _previous_in_section(questions, order)
    groups: dict[str, list[str]] = {}
    for row in tables["duplicate_clusters"]:
        groups.setdefault(row["cluster_id"], []).append(row["question_id"])
    return {
        "questions": {
            q["question_id"]: {
                "label": q["label"],
                "text": q["text"],
                "tag": q["tag"],
                "line": q["source_line"],
                "order": order[q["question_id"]],
                "chapter": q["chapter_id"],
                "chapter_title": chapter_titles.get(q["chapter_id"], ""),
                "section": q["section_id"],
                "section_title": section_titles.get(q["section_id"], ""),
                "prev": previous.get(q["question_id"]),
                "refers_back": refers_back(q["text"]),
            }
            for q in questions
        },
        "chapters": [{"id": c["chapter_id"], "title": c["title"]} for c in chapters],
        "pairs": pairs,
        "groups": [
            {"id": gid, "members": sorted(members, key=order.__getitem__)}
            for gid, members in sorted(groups.items(), key=lambda g: min(order[m] for m in g[1]))
        ],
        "decisions": [
            {
                **{k: d[k] for k in ("question_id_a", "question_id_b", "verdict", "reviewer", "note")},
                "date": d["decided_on"],
                **{k: d.get(k) for k in CONTEXT},
            }
            for d in tables["duplicate_decisions"]
        ],
        "stale": stale,
        "counts": {
            **tables["counts"],
            "questions": len(questions),
            "threshold": tables.get("threshold", settings.threshold),
            "band": settings.review_band,
        },
        "export_columns": list(EXPORT_COLUMNS),
        "scores": tables.get("histogram") or score_histogram([], []),
    }


BINS = 100  # the score histogram's bins: 0.01 wide, so a threshold moved in steps of 0.01 counts exactly


def score_histogram(scores, undecided) -> dict:
    """Return how many candidate pairs score in each 0.01 band of [0, 1], all of them and the undecided ones (the
    page's threshold slider counts what a threshold would flag, exactly, from these). Pure."""
    import numpy as np

    scores = np.asarray(scores, dtype=np.float64)
    undecided = np.asarray(undecided, dtype=bool)
    band = (
        np.clip(np.floor(np.round(scores * BINS, 6)).astype(np.int64), 0, BINS - 1)
        if len(scores)
        else np.array([], dtype=np.int64)
    )
    return {
        "bins": BINS,
        "all": np.bincount(band, minlength=BINS).tolist(),
        "undecided": np.bincount(band[undecided], minlength=BINS).tolist() if len(scores) else [0] * BINS,
    }


def render_html(
    questions: list[dict], tables: dict, chapters: list[dict], sections: list[dict], settings: Settings = DEFAULT
) -> str:
    """Return the review app: one offline page holding the queue, the groups, the decided and the stale decisions."""
    from pipeline import pages

    data = pages.json_for_script(page_data(questions, tables, chapters, sections, settings))
    style = (PAGE / "review.css").read_text(encoding="utf-8")
    script = (PAGE / "review.js").read_text(encoding="utf-8")
    body = (PAGE / "review.html").read_text(encoding="utf-8")
    from pipeline import pages

    style += pages.BASE_CSS.split("\n", 2)[2]  # the shared navigation bar's style (not the base body rule: the app has its own)
    return (
        body.replace("/*STYLE*/", style)
        .replace("/*NAV*/", pages.nav("duplicates.html"))
        .replace("/*DATA*/", data)
        .replace("/*WORKBENCH*/", pages.asset("workbench.js"))
        .replace("/*SCRIPT*/", script)
    )


def render_csv(questions: list[dict], tables: dict, settings: Settings = DEFAULT) -> str:
    """Return the review CSV: the decisions file's columns first (verdicts pre-filled), then the texts, score and status.

    It holds every pair in the review queue, every decided pair and every stale decision, so saving it as the
    decisions file keeps all decisions made so far. Formula-like cells are neutralised (the reader restores them).
    """
    by_id = {q["question_id"]: q for q in questions}
    decisions = {(d["question_id_a"], d["question_id_b"]): d for d in tables["duplicate_decisions"]}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS + ("score", "status", "queue_rank"))
    pairs = sorted(tables["review_pairs"], key=lambda p: (p.get("queue_rank") is None, p.get("queue_rank") or 0, -p["score"]))
    for pair in pairs:
        key = (pair["question_id_a"], pair["question_id_b"])
        decision = decisions.get(key, {})
        a, b = by_id[key[0]], by_id[key[1]]
        writer.writerow(
            [
                neutralised(str(cell))
                for cell in (
                    key[0],
                    key[1],
                    decision.get("verdict", ""),
                    decision.get("reviewer", ""),
                    decision.get("decided_on", ""),
                    decision.get("note") or "",
                    a["label"],
                    b["label"],
                    a["text"],
                    b["text"],
                    decision.get("cut") or "",
                    f"{pair['score']:.4f}",
                    pair["status"],
                    pair.get("queue_rank") or "",
                )
            ]
        )
    for decision in tables["duplicate_decisions"]:
        if decision["is_stale"]:
            writer.writerow(
                [
                    neutralised(str(cell))
                    for cell in (
                        decision["question_id_a"],
                        decision["question_id_b"],
                        decision["verdict"],
                        decision["reviewer"],
                        decision["decided_on"],
                        decision["note"] or "",
                        decision.get("label_a") or "",
                        decision.get("label_b") or "",
                        decision.get("text_a") or "",
                        decision.get("text_b") or "",
                        decision.get("cut") or "",
                        "",
                        "stale",
                        "",
                    )
                ]
            )
    return buffer.getvalue()
