"""The editors' tag verdicts (raw/tag_decisions.csv): parse them. Pure: text in, rows out.

A verdict is `keep` (the tag is right: the question stops being a suspect) or `retag:<tag>` (the tag is wrong:
the report lists it as an edit to make in the appendix; the pipeline never changes a tag itself). A verdict on a
question that no longer exists (its text was edited, which changes its id) is kept and reported as stale.
"""

from pipeline.csvrows import csv_records, reviewed_on
from pipeline.errors import InputError
from pipeline.schema import editors_file

COLUMNS = editors_file("tag_decisions").columns
HEADER = ",".join(COLUMNS) + "\n"


def parse_tag_decisions(text: str, labels: dict[str, str], tags: set[str]) -> list[dict]:
    """Return one row per decided question; InputError (with the line) for a malformed row.

    `labels` maps each question id of the bank to its label: a label in the id column, or a label that is not its
    question's, is refused (the verdict would otherwise be stored against the wrong question, or silently go stale).
    """
    ids_by_label = {label: question_id for question_id, label in labels.items()}
    rows, seen = [], {}
    for line_no, record in csv_records(text, COLUMNS):
        if not record["verdict"]:
            continue
        verdict = record["verdict"]
        if verdict != "keep" and not (verdict.startswith("retag:") and verdict.removeprefix("retag:") in tags):
            raise InputError(
                f"verdict {verdict!r} is not keep or retag:<tag> with a declared tag ({', '.join(sorted(tags))})", line=line_no
            )
        if not record["question_id"]:
            raise InputError("question_id is empty", line=line_no)
        if record["question_id"] not in labels and record["question_id"] in ids_by_label:
            raise InputError(
                f"question_id {record['question_id']!r} is a label, not an id: its id is {ids_by_label[record['question_id']]}",
                line=line_no,
            )
        if record["question_id"] in labels and record["label"] and record["label"] != labels[record["question_id"]]:
            raise InputError(
                f"label {record['label']!r} is not the label of question {record['question_id']} ({labels[record['question_id']]}): "
                "which question is meant?",
                line=line_no,
            )
        decided_on = reviewed_on(record, line_no)
        if record["question_id"] in seen:
            raise InputError(f"this question was already decided on line {seen[record['question_id']]}", line=line_no)
        seen[record["question_id"]] = line_no
        rows.append(
            {
                "question_id": record["question_id"],
                "label": record["label"] or None,
                "verdict": verdict,
                "reviewer": record["reviewer"],
                "decided_on": decided_on,
                "note": record["note"] or None,
                "is_stale": record["question_id"] not in labels,
                "source_line": line_no,
            }
        )
    return rows


def apply_decisions(rows: list[dict], decisions: list[dict]) -> list[dict]:
    """Return the suspect rows with each verdict recorded; a kept tag is no longer a suspect (ranks close up)."""
    verdicts = {d["question_id"]: d["verdict"] for d in decisions if not d["is_stale"]}
    out = [
        {
            **row,
            "verdict": verdicts.get(row["question_id"]),
            "is_suspect": row["is_suspect"] and verdicts.get(row["question_id"]) != "keep",
        }
        for row in rows
    ]
    ranked = sorted((r for r in out if r["is_suspect"]), key=lambda r: r["suspect_rank"])
    rank = {r["question_id"]: i for i, r in enumerate(ranked, start=1)}
    return [{**r, "suspect_rank": rank.get(r["question_id"])} for r in out]
