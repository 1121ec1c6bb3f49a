"""The editors' duplicate decisions (raw/duplicate_decisions.csv): parse and apply. Pure: text in, rows out.

The file is the editors'; the pipeline reads it and never writes it. A row with an empty verdict is
skipped, so `reports/duplicates.csv` (same leading columns) can be filled in and saved as this file.
"""

from pipeline.csvrows import csv_records, reviewed_on
from pipeline.errors import InputError
from pipeline.schema import editors_file

COLUMNS = editors_file("duplicate_decisions").columns
CONTEXT = editors_file("duplicate_decisions").optional  # the texts then, read when present
VERDICTS = ("duplicate", "related", "distinct")
STATUS = {"duplicate": "confirmed duplicate", "related": "related", "distinct": "judged distinct"}


def pair_key(question_id_a: str, question_id_b: str) -> tuple[str, str]:
    """Return the pair in a fixed order: a decision does not depend on which question came first."""
    return (question_id_a, question_id_b) if question_id_a <= question_id_b else (question_id_b, question_id_a)


def parse_decisions(text: str, known_ids: set[str]) -> list[dict]:
    """Return one row per decided pair; InputError (with the line) for a malformed row.

    A decision naming a question that no longer exists (its text was edited or removed) is kept,
    marked `is_stale`, so the editors see it instead of losing it.
    """
    rows, seen = [], {}
    for line_no, record in csv_records(text, COLUMNS, optional=CONTEXT):
        if not record["verdict"]:
            continue  # not decided yet (a row of reports/duplicates.csv left blank)
        if record["verdict"] not in VERDICTS:
            raise InputError(f"verdict {record['verdict']!r} is not one of {', '.join(VERDICTS)}", line=line_no)
        if not record["question_id_a"] or not record["question_id_b"] or record["question_id_a"] == record["question_id_b"]:
            raise InputError("a decision needs two different question ids", line=line_no)
        decided_on = reviewed_on(record, line_no)
        key = pair_key(record["question_id_a"], record["question_id_b"])
        swapped = key[0] != record["question_id_a"]
        then = {
            "label_a": record["label_a"],
            "label_b": record["label_b"],
            "text_a": record["text_a"],
            "text_b": record["text_b"],
        }
        if swapped:
            then = {"label_a": then["label_b"], "label_b": then["label_a"], "text_a": then["text_b"], "text_b": then["text_a"]}
        cut = record["cut"] or None
        if cut and (cut not in key or record["verdict"] != "duplicate"):
            raise InputError(f"cut {cut!r} is not one of the pair's two ids, or the verdict is not duplicate", line=line_no)
        if key in seen:
            raise InputError(f"this pair was already decided on line {seen[key]}", line=line_no)
        seen[key] = line_no
        rows.append(
            {
                "question_id_a": key[0],
                "question_id_b": key[1],
                "verdict": record["verdict"],
                "reviewer": record["reviewer"],
                "decided_on": decided_on,
                "note": record["note"] or None,
                "is_stale": not (key[0] in known_ids and key[1] in known_ids),
                "source_line": line_no,
                **{name: value or None for name, value in then.items()},
                "cut": cut,
            }
        )
    return rows
