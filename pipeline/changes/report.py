"""The pull-request comment: what a change did to the bank, as Markdown that folds. Pure.

A summary line first (and a line for the labels that only shifted), then one `<details>` section per kind of change
and of problem (new, fixed, drift that appeared, drift that went away: the list the gate reads), each kind named by
one word (`CHANGE_WORDS`) in every output. Every value from the bank goes through `escaping.markdown_text` (no HTML, no markup, no @mention), and the comment stops at `MAX_CHARS` with a note, since
a forge refuses longer comments.
"""

from pipeline.changes.findings import problem_text
from pipeline.escaping import markdown_code as code
from pipeline.escaping import markdown_text as md

MAX_CHARS = 60_000


# One word for each kind of change, in every output (this comment, changes.html, the terminal): changes.json's keys
# stay as they were ("edited", "retagged"), the words shown are these.
CHANGE_WORDS = {"added": "added", "removed": "removed", "edited": "reworded", "retagged": "re-tagged", "moved": "moved"}


def question_line(kind: str, row: dict, escape=str) -> str:
    """Return one changed question as a line ("3.1.4 (was 1.2.2): section 1.2 → 3.1: its text"); `escape` applies to
    every value from the bank (Markdown for the comment; the terminal's own escaping applies on output)."""
    tag = lambda key: escape(f"[{row[key]}]")  # noqa: E731
    label = escape(row.get("label") or row.get("base_label"))
    shifted = row.get("label") and row.get("base_label") not in (None, row["label"])
    was = f" (was {escape(row['base_label'])})" if shifted else ""
    if kind == "added":
        return f"{label} {tag('tag')} (line {row['source_line']}): {escape(row['text'])}"
    if kind == "removed":
        return f"{label} {tag('tag')}: {escape(row['text'])}"
    if kind == "edited":
        return f"{label}{was}: {escape(row['base_text'])} → {escape(row['text'])}"
    if kind == "retagged":
        return f"{label}{was}: {tag('base_tag')} → {tag('tag')}"
    return f"{label}{was}: section {escape(row['base_section_id'])} → {escape(row['section_id'])}: {escape(row['text'])}"


SHIFTS_SHOWN = 5


def shifted_line(relabelled: list[dict], escape=str) -> str:
    """Return one line for the questions whose label shifted only because a question was inserted or removed before
    them ("12 labels shifted by an insertion or removal: 1.1.10 → 1.1.9, … (first 5)"), or "" when none did."""
    if not relabelled:
        return ""
    shown = [f"{escape(r['base_label'])} → {escape(r['label'])}" for r in relabelled[:SHIFTS_SHOWN]]
    more = f", … (first {SHIFTS_SHOWN})" if len(relabelled) > SHIFTS_SHOWN else ""
    return f"{plural(len(relabelled), 'label')} shifted by an insertion or removal: {', '.join(shown)}{more}"


def plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def drift_counts(checks: dict) -> str:
    """Return "7 now flagged, 4 no longer flagged" (drift that appeared, drift that went away), or "" with none."""
    appeared, gone = len(checks.get("drift_appeared", [])), len(checks.get("drift_gone", []))
    return f"{appeared} now flagged, {gone} no longer flagged" if appeared or gone else ""


def summary_line(changes: dict) -> str:
    """Return the comment's first line: the counts of each kind of change, then of the problems new and fixed, then
    the drift that appeared and went away."""
    questions = changes["questions"]
    parts = [f"{len(questions[kind])} {word}" for kind, word in CHANGE_WORDS.items() if questions[kind]]
    parts = parts or ["no question changed"]
    if "checks" in changes:
        checks = changes["checks"]
        parts.append(f"{plural(len(checks['new_failures']), 'new problem')}, {len(checks['fixed'])} fixed")
        if drift_counts(checks):
            parts.append(f"drift (never gates): {drift_counts(checks)}")
    return "**Bank changes:** " + ", ".join(parts) + "."


def _section(title: str, lines: list[str]) -> list[str]:
    return ["", f"<details><summary>{title} ({len(lines)})</summary>", ""] + [f"- {line}" for line in lines] + ["", "</details>"]


def problem_line(problem: dict) -> str:
    """Return one problem as a list item: severity, the problem with its figures, its expectation as code."""
    return f"{problem['severity'].upper()} {problem_text(problem, md)} · {code(problem['expectation'])}"


PROBLEMS = (
    ("new_failures", "New problems"),
    ("fixed", "Problems fixed"),
    ("drift_appeared", "Drift that appeared: now flagged on questions the change did not touch (never gates)"),
    ("drift_gone", "Drift that went away: no longer flagged on questions the change did not touch (never gates)"),
)


def render_markdown(changes: dict, base: str = "", max_chars: int = MAX_CHARS) -> str:
    """Return the comment: the summary line, then a folding section per kind of change and of problem (each problem
    once, as the gate names it; empty kinds left out)."""
    out = [summary_line(changes)] + (["", f"Compared with {code(base)}."] if base else [])
    shifted = shifted_line(changes["questions"].get("relabelled", []), md)
    out += ["", shifted + "."] if shifted else []
    for kind, word in CHANGE_WORDS.items():
        if changes["questions"][kind]:
            out += _section(f"Questions {word}", [question_line(kind, row, md) for row in changes["questions"][kind]])
    checks = changes.get("checks", {})
    for key, title in PROBLEMS:
        if checks.get(key):
            out += _section(title, [problem_line(p) for p in checks[key]])
    text = "\n".join(out) + "\n"
    if len(text) <= max_chars:
        return text
    note = f"\n\n… cut at {max_chars:,} characters: the whole list is in changes.json.\n"
    cut = text[: max_chars - len(note)].rsplit("\n", 1)[0]
    return cut + ("\n\n</details>" if cut.count("<details>") > cut.count("</details>") else "") + note
