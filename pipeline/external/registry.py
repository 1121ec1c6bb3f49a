"""The registry of external question banks (raw/external_banks.csv). Pure: text in, rows out."""

import csv
import io

from pipeline.errors import InputError
from pipeline.external.markdown import LAYOUTS

COLUMNS = ("bank_id", "name", "file", "source", "licence", "layout", "question_level", "stated_as")


def parse_registry(text: str) -> list[dict]:
    """Return one row per registered bank; InputError with the line for a malformed row."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff")))
    header = next(reader, None)
    if header is None or tuple(h.strip() for h in header) != COLUMNS:
        raise InputError("the header must be " + ",".join(COLUMNS), line=1)
    banks, seen = [], set()
    for cells in reader:
        if not any(c.strip() for c in cells):
            continue
        line = reader.line_num
        if len(cells) != len(COLUMNS):
            raise InputError(f"expected {len(COLUMNS)} fields, found {len(cells)}", line=line)
        bank = dict(zip(COLUMNS, (c.strip() for c in cells)))
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
