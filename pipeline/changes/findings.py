"""What a change did to the findings: flagged duplicate pairs gained and lost, checks newly failing and fixed. Pure.

Labels and lines shift when questions are inserted above, and scores move with any edit of the bank, so a finding
is compared by what it is about, not where it stands: its lines and measures are left out, and the labels it names
are read through the question matching (a current label is named by the base label of the same question).
"""


def duplicate_changes(base_pairs: list[dict], pairs: list[dict], touched_ids: set[str]) -> dict:
    """Return the flagged pairs the change brought (involving an added or edited question, `touched_ids`) and those
    it took away; a pair is its two question ids, which follow the text."""

    def flagged(rows):
        return {(r["question_id_a"], r["question_id_b"]): r for r in rows if r["is_flagged"]}

    before, after = flagged(base_pairs), flagged(pairs)
    row = lambda r: {"label_a": r["label_a"], "label_b": r["label_b"], "score": r["score"], "status": r["status"],  # noqa: E731
                     "queue_rank": r.get("queue_rank")}  # fmt: skip
    return {
        "new_pairs": [row(r) for key, r in after.items() if key not in before and (set(key) & touched_ids)],
        "gone_pairs": [row(r) for key, r in before.items() if key not in after],
    }


def _is_measure(key: str, value) -> bool:
    """Return whether a row's cell is a line or a measure (a score, a deviation, a probability): never identity."""
    return key.endswith("line") or isinstance(value, float)


def _problem(outcome: dict, row: dict, identity_of: dict[str, str], label_of: dict[str, str]) -> tuple[tuple, dict]:
    """Return (identity, problem) of one failing row: what it is about, and the problem as the outputs show it.

    The identity is the expectation and its subject, never a line: a pair of questions, a question (each read through
    `identity_of`: label or question id → the question's identity across versions; shown by label, `label_of`: question
    id → label), a claim by its key (tag, figure, bank), or else
    the row's cells less its lines and measures. A claim carries its gap (|actual − stated|) apart from its identity.
    """
    expectation = f"{outcome['suite']}/{outcome['check']}"
    line = next((v for k, v in row.items() if k.endswith("line") and v is not None), None)
    problem = {"expectation": expectation, "severity": outcome["severity"], "line": line}
    if "label_a" in row and "label_b" in row:
        subject = ("pair", tuple(sorted(identity_of.get(row[k], row[k]) for k in ("label_a", "label_b"))))
        problem |= {"kind": "pair", "labels": [row["label_a"], row["label_b"]], "score": row.get("score")}
    elif "stated" in row and "actual" in row:
        key = tuple((k, v) for k, v in sorted(row.items()) if k not in ("stated", "actual") and not _is_measure(k, v))
        subject = ("claim", key)
        gap = None if None in (row["stated"], row["actual"]) else abs(row["actual"] - row["stated"])
        about = ", ".join(f"[{v}] questions" if k == "tag" else str(v) for k, v in key)
        problem |= {"kind": "claim", "about": about, "stated": row["stated"], "actual": row["actual"], "gap": gap}
    elif "label" in row or "question_id" in row:
        named = row.get("label") or row["question_id"]
        subject = ("question", identity_of.get(named, named))
        problem |= {"kind": "question", "labels": [label_of.get(named, named)]}
        problem |= {k: row[k] for k in ("tag", "suggested_tag", "suggested_probability") if k in row}
        problem["cells"] = {k: v for k, v in row.items() if k not in ("label", "question_id") and not _is_measure(k, v)}
    else:
        subject = ("row", tuple(sorted((k, v) for k, v in row.items() if not _is_measure(k, v))))
        problem |= {"kind": "row", "cells": {k: v for k, v in row.items() if not k.endswith("line")}}
    return (expectation, subject), problem


def problem_text(problem: dict, escape=str) -> str:
    """Return one problem as a line with its figures ("Total: 368 stated, 369 now"); `escape` applies to every value
    taken from the bank (Markdown or HTML escaping; the terminal's own escaping applies on output)."""
    kind = problem["kind"]
    if kind == "pair":
        a, b = (escape(str(label)) for label in problem["labels"])
        score = f" ({problem['score']:.2f})" if isinstance(problem.get("score"), float) else ""
        text = f"{a} and {b} look like one question{score}"
    elif kind == "claim":
        about = {"questions": "Total", "chapters": "Chapters"}.get(problem["about"], problem["about"])
        was = f" (was {problem['was']})" if problem.get("was") is not None else ""
        text = f"{escape(about)}: {problem['stated']} stated, {problem['actual']} now{was}"
    elif "suggested_tag" in problem:
        probability = problem.get("suggested_probability")
        reads = f" ({probability:.2f})" if isinstance(probability, float) else ""
        tagged, reads_as = escape(f"[{problem['tag']}]"), escape(f"[{problem['suggested_tag']}]")
        text = f"{escape(problem['labels'][0])} is tagged {tagged} but reads as {reads_as}{reads}"
    else:
        said = "  ".join(escape(str(v)) for v in problem.get("cells", {}).values() if v is not None and v != "")
        text = (escape(problem["labels"][0]) + (f": {said}" if said else "")) if kind == "question" else said
    line = f" (line {problem['line']})" if problem["line"] is not None else ""
    return (text or escape(problem["expectation"])) + line


def build_problems(quality: dict, identity_of: dict[str, str], label_of: dict[str, str] | None = None) -> dict[tuple, dict]:
    """Return every failing row of a build's checks, by identity (one entry each; a table-level failure is one)."""
    out = {}
    for outcome in quality["outcomes"]:
        if outcome["success"]:
            continue
        for row in outcome["offending"] or [{}]:  # a table-level failure has no row: the expectation itself
            identity, problem = _problem(outcome, row, identity_of, label_of or {})
            out.setdefault(identity, problem)
    return out


def _touched(identity: tuple, touched: set) -> bool:
    """Return whether the change wrote what a problem is about: one of its questions, or the verdict on it."""
    kind, subject = identity[1]
    return subject in touched or (kind == "pair" and bool(set(subject) & touched))


# The suites whose rows follow a model fitted on the whole bank (the tag audit, the duplicate scores): a change
# anywhere refits it, so a row about questions the change never wrote may come or go without the change saying so.
DRIFTING = ("tag_suspects", "duplicate_pairs")


def _drift(identity: tuple, touched: set) -> bool:
    return identity[0].split("/")[0] in DRIFTING and not _touched(identity, touched)


def problem_changes(base: dict[tuple, dict], current: dict[tuple, dict], touched: set[str]) -> dict:
    """Return the problems the change brought (`new_failures`), those it ended (`fixed`) and those that only moved
    on questions it never touched (`drift`: a refitted tag model, scores shifted by the bank's other words). Pure.

    A problem is matched by identity. A claim failing in both builds is old debt unless its gap widened, which is new
    (with the figure it had before). `touched` holds the identities of the questions the change added, reworded or
    re-tagged (and removed, on the base side)."""
    new, fixed, drift = [], [], []
    for identity, problem in current.items():
        before = base.get(identity)
        if before is None:
            (drift if _drift(identity, touched) else new).append(problem)
        elif problem["kind"] == "claim" and None not in (problem["gap"], before["gap"]) and problem["gap"] > before["gap"]:
            new.append({**problem, "was": before["actual"]})
    for identity, problem in base.items():
        if identity not in current:
            (drift if _drift(identity, touched) else fixed).append(problem)
    shown = lambda problems: [{**p, "text": problem_text(p)} for p in problems]  # noqa: E731
    return {"new_failures": shown(new), "fixed": shown(fixed), "drift": shown(drift)}


def claim_changes(base_claims: list[dict], claims: list[dict]) -> list[dict]:
    """Return each stated tag count before and after: `further` when the actual count is further from the stated one
    than it was (each version against the figure it stated)."""
    before = {c["tag"]: c for c in base_claims}
    out = []
    for claim in claims:
        was = before.get(claim["tag"], {})
        distances = [None if None in (c.get("actual"), c.get("stated")) else abs(c["actual"] - c["stated"]) for c in (was, claim)]
        out.append(
            {"tag": claim["tag"], "base_stated": was.get("stated"), "stated": claim["stated"], "base_actual": was.get("actual"),
             "actual": claim["actual"], "further": None not in distances and distances[1] > distances[0]}
        )  # fmt: skip
    return out


def gained_lost(base_rows: list[dict], rows: list[dict], key: tuple[str, ...]) -> dict:
    """Return the rows whose `key` is new (`gained`) and those whose key is gone (`lost`), each once, in order."""
    ident = lambda r: tuple(r[k] for k in key)  # noqa: E731
    before, after = {ident(r): r for r in base_rows}, {ident(r): r for r in rows}
    return {"gained": [r for k, r in after.items() if k not in before], "lost": [r for k, r in before.items() if k not in after]}
