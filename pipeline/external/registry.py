"""The registry of external question banks (raw/external_banks.csv). Pure: text in, rows out."""

from pipeline.csvrows import csv_records
from pipeline.errors import InputError
from pipeline.external.markdown import LAYOUTS

COLUMNS = ("bank_id", "name", "file", "source", "licence", "layout", "question_level", "stated_as")


def parse_registry(text: str) -> list[dict]:
    """Return one row per registered bank; InputError with the line for a malformed row."""
    banks, seen = [], set()
    for line, bank in csv_records(text, COLUMNS, exact=True):
        for required in ("bank_id", "name", "file", "source", "licence", "layout"):
            if not bank[required]:
                raise InputError(f"{required} is empty", line=line)
        if bank["layout"] not in LAYOUTS:
            raise InputError(f"layout {bank['layout']!r} is not one of {', '.join(LAYOUTS)}", line=line)
        if bank["question_level"] and not bank["question_level"].isdigit():
            raise InputError("question_level must be a heading level (1–6)", line=line)
        if bank["bank_id"] in seen:
            raise InputError(f"bank_id {bank['bank_id']!r} is registered twice", line=line)
        seen.add(bank["bank_id"])
        bank["question_level"] = int(bank["question_level"]) if bank["question_level"] else None
        bank["stated_as"] = bank["stated_as"] or None
        bank["registry_line"] = line
        banks.append(bank)
    return banks
