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


def _problem(
    outcome: dict, row: dict, identity_of: dict[str, str], label_of: dict[str, str], now_label_of: dict[str, str]
) -> tuple[tuple, dict]:
    """Return (identity, problem) of one failing row: what it is about, and the problem as the outputs show it.

    The identity is the expectation and its subject, never a line: a pair of questions, a question (each read through
    `identity_of`: label or question id → the question's identity across versions; shown by label, `label_of`: question
    id → label), a claim by its key (tag, figure, bank), or else
    the row's cells less its lines and measures. A claim carries its gap (|actual − stated|) apart from its identity.
    A base build's problem also carries the labels its questions have now (`now_label_of`: base label → current label),
    where they differ, so a line about the base never names a label that is another question today.
    """
    expectation = f"{outcome['suite']}/{outcome['check']}"
    line = next((v for k, v in row.items() if k.endswith("line") and v is not None), None)
    problem = {"expectation": expectation, "severity": outcome["severity"], "line": line}
    if "label_a" in row and "label_b" in row:
        subject = ("pair", tuple(sorted(identity_of.get(row[k], row[k]) for k in ("label_a", "label_b"))))
        problem |= {"kind": "pair", "labels": [row["label_a"], row["label_b"]], "score": row.get("score")}
        problem |= _now_labels(problem["labels"], now_label_of)
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
        problem |= _now_labels(problem["labels"], now_label_of)
        problem |= {k: row[k] for k in ("tag", "suggested_tag", "suggested_probability") if k in row}
        problem["cells"] = {k: v for k, v in row.items() if k not in ("label", "question_id") and not _is_measure(k, v)}
    else:
        subject = ("row", tuple(sorted((k, v) for k, v in row.items() if not _is_measure(k, v))))
        problem |= {"kind": "row", "cells": {k: v for k, v in row.items() if not k.endswith("line")}}
    return (expectation, subject), problem


def _now_labels(labels: list[str], now_label_of: dict[str, str]) -> dict:
    """Return {"now_labels": …} when a base problem's questions are labelled otherwise today, else nothing."""
    now = [now_label_of.get(label, label) for label in labels]
    return {"now_labels": now} if now != labels else {}


def _label(problem: dict, index: int, escape) -> str:
    """Return a problem's label, with the label its question has now when a base label shifted ("1.1.10 (now 1.1.9)")."""
    label, now = problem["labels"][index], (problem.get("now_labels") or problem["labels"])[index]
    return escape(str(label)) + (f" (now {escape(str(now))})" if now != label else "")


def problem_text(problem: dict, escape=str) -> str:
    """Return one problem as a line with its figures ("Total: 368 stated, 369 now"), in its tense; `escape` applies to
    every value taken from the bank (Markdown or HTML escaping; the terminal's own escaping applies on output).

    A problem that went away (`went_away`: fixed, or drift gone) is told in the past from the base's figures and line
    ("is no longer flagged", "was 170"); drift that appeared says "now flagged"; a new problem states what holds now.
    """
    kind, gone, drift = problem["kind"], problem.get("went_away", False), problem.get("drift", False)
    if kind == "pair":
        a, b = _label(problem, 0, escape), _label(problem, 1, escape)
        score = f"{problem['score']:.2f}" if isinstance(problem.get("score"), float) else ""
        if gone:
            text = f"{a} and {b} are no longer flagged as one question" + (f" (was {score})" if score else "")
        else:
            text = f"{a} and {b} " + ("are now flagged as one question" if drift else "look like one question")
            text += f" ({score})" if score else ""
    elif kind == "claim":
        about = escape({"questions": "Total", "chapters": "Chapters"}.get(problem["about"], problem["about"]))
        if gone:
            text = f"{about}: {problem['stated']} stated, was {problem['actual']}, no longer off"
        else:
            was = f" (was {problem['was']})" if problem.get("was") is not None else ""
            text = f"{about}: {problem['stated']} stated, {problem['actual']} now{was}"
    elif "suggested_tag" in problem:
        probability = problem.get("suggested_probability")
        figure = f"{probability:.2f}" if isinstance(probability, float) else ""
        tagged, reads_as = escape(f"[{problem['tag']}]"), escape(f"[{problem['suggested_tag']}]")
        if gone:
            text = f"{_label(problem, 0, escape)} is no longer flagged as {tagged} reading as {reads_as}"
            text += f" (was {figure})" if figure else ""
        else:
            now = "is now flagged: tagged" if drift else "is tagged"
            text = f"{_label(problem, 0, escape)} {now} {tagged} but reads as {reads_as}" + (f" ({figure})" if figure else "")
    else:
        said = "  ".join(escape(str(v)) for v in problem.get("cells", {}).values() if v is not None and v != "")
        text = (_label(problem, 0, escape) + (f": {said}" if said else "")) if kind == "question" else said
        text = (text or escape(problem["expectation"])) + (", no longer failing" if gone else "")
    if problem["line"] is None:
        return text
    return text + (f" (line {problem['line']} in the base)" if gone else f" (line {problem['line']})")


def build_problems(
    quality: dict, identity_of: dict[str, str], label_of: dict[str, str] | None = None, now_label_of: dict[str, str] | None = None
) -> dict[tuple, dict]:
    """Return every failing row of a build's checks, by identity (one entry each; a table-level failure is one)."""
    out = {}
    for outcome in quality["outcomes"]:
        if outcome["success"]:
            continue
        for row in outcome["offending"] or [{}]:  # a table-level failure has no row: the expectation itself
            identity, problem = _problem(outcome, row, identity_of, label_of or {}, now_label_of or {})
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
    """Return the problems the change brought (`new_failures`), those it ended (`fixed`), and those that only came
    (`drift_appeared`) or went (`drift_gone`) on questions it never touched (a refitted tag model, scores shifted by
    the bank's other words). Pure.

    A problem is matched by identity. A claim failing in both builds is old debt unless its gap widened, which is new
    (with the figure it had before). `touched` holds the identities of the questions the change added, reworded or
    re-tagged (and removed, on the base side). What went away is the base's problem, marked `went_away`, so each
    output tells it in the past."""
    new, fixed, appeared, gone = [], [], [], []
    for identity, problem in current.items():
        before = base.get(identity)
        if before is None:
            if _drift(identity, touched):
                appeared.append({**problem, "drift": True})
            else:
                new.append(problem)
        elif problem["kind"] == "claim" and None not in (problem["gap"], before["gap"]) and problem["gap"] > before["gap"]:
            new.append({**problem, "was": before["actual"]})
    for identity, problem in base.items():
        if identity not in current:
            if _drift(identity, touched):
                gone.append({**problem, "drift": True, "went_away": True})
            else:
                fixed.append({**problem, "went_away": True})
    shown = lambda problems: [{**p, "text": problem_text(p)} for p in problems]  # noqa: E731
    return {"new_failures": shown(new), "fixed": shown(fixed), "drift_appeared": shown(appeared), "drift_gone": shown(gone)}


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
