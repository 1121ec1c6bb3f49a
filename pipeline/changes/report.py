"""The pull-request comment: what a change did to the bank, as Markdown that folds. Pure.

A summary line first, then one `<details>` section per kind of change and of problem (new, fixed, drift: the list the
gate reads). Every value from the bank goes through
`escaping.markdown_text` (no HTML, no markup, no @mention), and the comment stops at `MAX_CHARS` with a note, since
a forge refuses longer comments.
"""

from pipeline.changes.findings import problem_text
from pipeline.escaping import markdown_code as code
from pipeline.escaping import markdown_text as md

MAX_CHARS = 60_000


def was(row: dict) -> str:
    """Return " (was 1.1.5)" when a question's label moved, else nothing."""
    return f" (was {md(row['base_label'])})" if row["base_label"] != row["label"] else ""


KINDS = (
    ("added", "Questions added", lambda r: f"{md(r['label'])} \\[{md(r['tag'])}\\] (line {r['source_line']}): {md(r['text'])}"),
    ("removed", "Questions removed", lambda r: f"{md(r['base_label'])} \\[{md(r['tag'])}\\]: {md(r['text'])}"),
    (
        "edited",
        "Questions reworded",
        lambda r: f"{md(r['label'])}{was(r)}: {md(r['base_text'])} → {md(r['text'])}",
    ),
    ("retagged", "Questions re-tagged", lambda r: f"{md(r['label'])}: \\[{md(r['base_tag'])}\\] → \\[{md(r['tag'])}\\]"),
    (
        "moved",
        "Questions moved",
        lambda r: f"{md(r['label'])}{was(r)}: section {md(r['base_section_id'])} → {md(r['section_id'])}",
    ),
)


def plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def summary_line(changes: dict) -> str:
    """Return the comment's first line: the counts of each kind of change, then of the problems new and fixed."""
    questions = changes["questions"]
    parts = [f"{len(questions[kind])} {kind}" for kind, _, _ in KINDS if questions[kind]] or ["no question changed"]
    if "checks" in changes:
        parts.append(f"{plural(len(changes['checks']['new_failures']), 'new problem')}, {len(changes['checks']['fixed'])} fixed")
    return "**Bank changes:** " + ", ".join(parts) + "."


def _section(title: str, lines: list[str]) -> list[str]:
    return ["", f"<details><summary>{title} ({len(lines)})</summary>", ""] + [f"- {line}" for line in lines] + ["", "</details>"]


def problem_line(problem: dict) -> str:
    """Return one problem as a list item: severity, the problem with its figures, its expectation as code."""
    return f"{problem['severity'].upper()} {problem_text(problem, md)} · {code(problem['expectation'])}"


PROBLEMS = (
    ("new_failures", "New problems"),
    ("fixed", "Problems fixed"),
    ("drift", "Drift on questions the change did not touch (never gates)"),
)


def render_markdown(changes: dict, base: str = "", max_chars: int = MAX_CHARS) -> str:
    """Return the comment: the summary line, then a folding section per kind of change and of problem (each problem
    once, as the gate names it; empty kinds left out)."""
    out = [summary_line(changes)] + (["", f"Compared with {code(base)}."] if base else [])
    for kind, title, line in KINDS:
        if changes["questions"][kind]:
            out += _section(title, [line(row) for row in changes["questions"][kind]])
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
