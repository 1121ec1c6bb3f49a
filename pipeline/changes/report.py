"""The pull-request comment: what a change did to the bank, as Markdown that folds. Pure.

A summary line first, then one `<details>` section per kind of change. Every value from the bank goes through
`escaping.markdown_text` (no HTML, no markup, no @mention), and the comment stops at `MAX_CHARS` with a note, since
a forge refuses longer comments.
"""

from pipeline.escaping import markdown_text as md

MAX_CHARS = 60_000
KINDS = (
    ("added", "Questions added", lambda r: f"{md(r['label'])} \\[{md(r['tag'])}\\] (line {r['source_line']}): {md(r['text'])}"),
    ("removed", "Questions removed", lambda r: f"{md(r['base_label'])} \\[{md(r['tag'])}\\]: {md(r['text'])}"),
    (
        "edited",
        "Questions reworded",
        lambda r: f"{md(r['label'])} (was {md(r['base_label'])}): {md(r['base_text'])} → {md(r['text'])}",
    ),
    ("retagged", "Questions re-tagged", lambda r: f"{md(r['label'])}: \\[{md(r['base_tag'])}\\] → \\[{md(r['tag'])}\\]"),
    (
        "moved",
        "Questions moved",
        lambda r: f"{md(r['label'])} (was {md(r['base_label'])}): section {md(r['base_section_id'])} → {md(r['section_id'])}",
    ),
)


def summary_line(changes: dict) -> str:
    """Return the comment's first line: the counts of each kind of change."""
    questions = changes["questions"]
    parts = [f"{len(questions[kind])} {kind}" for kind, _, _ in KINDS if questions[kind]] or ["no question changed"]
    if "duplicates" in changes:
        parts.append(f"{len(changes['duplicates']['new_pairs'])} new flagged duplicate pairs")
    if "checks" in changes:
        parts.append(f"{len(changes['checks']['new_failures'])} new check failures, {len(changes['checks']['fixed'])} fixed")
    return "**Bank changes:** " + ", ".join(parts) + "."


def _section(title: str, lines: list[str]) -> list[str]:
    return ["", f"<details><summary>{title} ({len(lines)})</summary>", ""] + [f"- {line}" for line in lines] + ["", "</details>"]


def render_markdown(changes: dict, base: str = "", max_chars: int = MAX_CHARS) -> str:
    """Return the comment: the summary line, then a folding section per kind of change (empty kinds left out)."""
    out = [summary_line(changes)] + (["", f"Compared with `{md(base)}`."] if base else [])
    for kind, title, line in KINDS:
        if changes["questions"][kind]:
            out += _section(title, [line(row) for row in changes["questions"][kind]])
    duplicates = changes.get("duplicates", {})
    if duplicates.get("new_pairs"):
        out += _section(
            "New flagged duplicate pairs",
            [
                f"{md(p['label_a'])} ~ {md(p['label_b'])} (score {p['score']:.2f}, {md(p['status'])})"
                for p in duplicates["new_pairs"]
            ],
        )
    if duplicates.get("gone_pairs"):
        out += _section("Flagged pairs gone", [f"{md(p['label_a'])} ~ {md(p['label_b'])}" for p in duplicates["gone_pairs"]])
    checks = changes.get("checks", {})
    for key, title in (("new_failures", "Checks that now fail"), ("fixed", "Checks fixed")):
        if checks.get(key):
            out += _section(
                title,
                [
                    f"{f['severity'].upper()} `{md(f['expectation'])}`"
                    + (f" (line {f['line']})" if f["line"] is not None else "")
                    for f in checks[key]
                ],
            )
    text = "\n".join(out) + "\n"
    if len(text) <= max_chars:
        return text
    note = f"\n\n… cut at {max_chars:,} characters: the whole list is in changes.json.\n"
    cut = text[: max_chars - len(note)].rsplit("\n", 1)[0]
    return cut + ("\n\n</details>" if cut.count("<details>") > cut.count("</details>") else "") + note
