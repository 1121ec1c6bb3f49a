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


def _identity(outcome: dict, row: dict, labels: dict[str, str]) -> tuple:
    """Return what a failing row is about: lines and measures (a score, a deviation: any edit of the bank moves them)
    left out, labels read as the base's."""
    said = tuple(
        sorted(
            (k, labels.get(v, v) if "label" in k else v)
            for k, v in row.items()
            if not k.endswith("line") and not isinstance(v, float)
        )
    )
    return outcome["suite"], outcome["check"], said


def check_changes(base_report: dict, report: dict, labels: dict[str, str]) -> dict:
    """Return the failing rows the change brought (`new_failures`, with their lines now) and those it fixed (with their
    lines before). `labels` maps each current label to the base label of the same question."""

    def failing(quality, mapping):
        rows = {}
        for outcome in quality["outcomes"]:
            if outcome["success"]:
                continue
            for row in outcome["offending"] or [{}]:  # a table-level failure has no row: the expectation itself
                line = next((v for k, v in row.items() if k.endswith("line") and v is not None), None)
                entry = {"expectation": f"{outcome['suite']}/{outcome['check']}", "severity": outcome["severity"], "line": line}
                rows[_identity(outcome, row, mapping)] = entry
        return rows

    before, after = failing(base_report, {}), failing(report, labels)
    return {
        "new_failures": [e for k, e in after.items() if k not in before],
        "fixed": [e for k, e in before.items() if k not in after],
    }


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


def suspect_changes(base_suspects: list[dict], suspects: list[dict], touched_ids: set[str]) -> list[dict]:
    """Return the undecided tag suspects that were not suspects before; `introduced` when the change wrote the question
    (added, reworded or re-tagged it), else the refitted model merely moved it."""
    before = {s["question_id"] for s in base_suspects if s["is_suspect"]}
    return [
        {"label": s["label"], "tag": s["tag"], "suggested_tag": s["suggested_tag"], "introduced": s["question_id"] in touched_ids}
        for s in suspects
        if s["is_suspect"] and s["decision"] is None and s["question_id"] not in before
    ]


def gained_lost(base_rows: list[dict], rows: list[dict], key: tuple[str, ...]) -> dict:
    """Return the rows whose `key` is new (`gained`) and those whose key is gone (`lost`), each once, in order."""
    ident = lambda r: tuple(r[k] for k in key)  # noqa: E731
    before, after = {ident(r): r for r in base_rows}, {ident(r): r for r in rows}
    return {"gained": [r for k, r in after.items() if k not in before], "lost": [r for k, r in before.items() if k not in after]}
