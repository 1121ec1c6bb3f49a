"""Assemble the external-bank tables: questions, coverage by the appendix, bank sizes. Pure."""

from pipeline.external.clean import question_share
from pipeline.keys import stable_ids


def question_rows(bank_id: str, parsed: list[dict]) -> list[dict]:
    """Return the bank's question rows with stable ids and the step from the previous number in the section."""
    ids = stable_ids("x", [f"{bank_id}\n{row['text']}" for row in parsed])
    rows, previous = [], {}
    for external_id, row in zip(ids, parsed):
        step = None if row["number"] is None else row["number"] - previous.get(row["section"], 0)
        previous[row["section"]] = row["number"] if row["number"] is not None else previous.get(row["section"], 0)
        rows.append({"bank_id": bank_id, "external_question_id": external_id, **row, "number_step": step})
    return rows


def bank_row(
    bank: dict,
    questions: list[dict],
    attributions: list[dict],
    layout_used: str | None = None,
    why: str | None = None,
    warnings: tuple = (),
    error: str | None = None,
    title_count: int | None = None,
    confidence: float | None = None,
    doubts: tuple = (),
) -> dict:
    """Return the bank's registry row with what was read: its size, layout, how question-like, warnings or error."""
    stated = next(
        (
            a
            for a in attributions
            if bank["stated_as"] and a.get("work") == bank["stated_as"] and a.get("question_count") is not None
        ),
        None,
    )
    share = question_share([q["text"] for q in questions]) if questions else None
    return {
        **{k: bank[k] for k in ("bank_id", "name", "file", "source", "licence", "layout", "stated_as", "registry_line")},
        "layout_used": layout_used,
        "layout_reason": why,
        "questions": len(questions),
        "question_like_share": None if share is None else round(share, 3),
        "reading_confidence": confidence,
        "lines_in_doubt": ", ".join(map(str, doubts)) or None,
        "warnings": "; ".join(warnings) or None,
        "error": error,
        "stated_count": stated["question_count"] if stated else None,
        "stated_line": stated["source_line"] if stated else None,
        "title_count": title_count,
    }


def part_rows(bank_id: str, parts: list) -> list[dict]:
    """Return one row per part of the bank: which layout read which lines, and how many questions (`auto.Part`)."""
    return [
        {
            "bank_id": bank_id,
            "part": number,
            "layout": p.layout,
            "first_line": p.first_line,
            "last_line": p.last_line,
            "questions": p.questions,
        }
        for number, p in enumerate(parts, start=1)
    ]
