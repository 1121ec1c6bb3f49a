"""The registry of external question banks (raw/external_banks.csv). Pure but for `bank_file`, which checks a file."""

import os
import re
import stat
from pathlib import Path

from pipeline import limits
from pipeline.csvrows import csv_records
from pipeline.errors import InputError
from pipeline.io import read_text
from pipeline.schema import editors_file

COLUMNS = editors_file("external_banks").columns


def parse_registry(text: str) -> list[dict]:
    """Return one row per registered bank; InputError with the line for a malformed row."""
    from pipeline.external.markdown import CHOICES, is_layout  # the readers: only when a registry is parsed

    banks, seen = [], set()
    for line, bank in csv_records(text, COLUMNS, optional=editors_file("external_banks").optional):
        for required in ("bank_id", "name", "file", "source", "licence", "layout"):
            if not bank[required]:
                raise InputError(f"{required} is empty", line=line)
        if not is_layout(bank["layout"]):
            raise InputError(
                f"layout {bank['layout']!r} is not one of {', '.join(CHOICES)}, nor layouts joined by + (table+numbered)",
                line=line,
            )
        if bank["question_level"] and bank["question_level"] not in tuple("123456"):
            raise InputError("question_level must be a heading level (1–6)", line=line)
        if bank["bank_id"] in seen:
            raise InputError(f"bank_id {bank['bank_id']!r} is registered twice", line=line)
        seen.add(bank["bank_id"])
        bank["question_level"] = int(bank["question_level"]) if bank["question_level"] else None
        bank["stated_as"] = bank["stated_as"] or None
        bank["question_column"] = bank["question_column"] or None
        bank["skip_lines"] = line_ranges(bank.get("skip_lines") or "", line)
        bank["registry_line"] = line
        banks.append(bank)
    return banks


RANGE = re.compile(r"^\s*(\d{1,7})\s*(?:[-–]\s*(\d{1,7}))?\s*$")


def line_ranges(text: str, line: int) -> tuple[tuple[int, int], ...]:
    """Return the registry's `skip_lines` (`1-40; 120-130; 200`) as (first, last) pairs; InputError with the line."""
    out = []
    for part in filter(str.strip, text.split(";")):
        match = RANGE.match(part)
        if not match or int(match.group(1)) < 1 or int(match.group(2) or match.group(1)) < int(match.group(1)):
            raise InputError(f"skip_lines {text!r}: write line ranges as 1-40; 120-130; 200", line=line)
        out.append((int(match.group(1)), int(match.group(2) or match.group(1))))
    return tuple(out)


def skipped(text: str, ranges: tuple[tuple[int, int], ...]) -> str:
    """Return `text` with the lines of `ranges` emptied (the other lines keep their numbers): what an editor told the
    reader to skip. Pure."""
    if not ranges:
        return text
    lines = text.split("\n")
    return "\n".join("" if any(first <= n <= last for first, last in ranges) else row for n, row in enumerate(lines, 1))


def bank_file(registry: Path, bank: dict, max_bytes: int = limits.BANK_MAX_BYTES) -> Path:
    """Return the bank's file: a regular file inside the registry's folder, at most `max_bytes`; InputError naming the row.

    The path is checked before the file is opened, so a FIFO, a device or a link out of the folder is never read.
    """
    folder = Path(registry).resolve().parent
    path = Path(registry).parent / bank["file"]

    def refuse(why: str) -> InputError:
        return InputError(f"file {bank['file']!r} of bank {bank['bank_id']!r} {why}", str(registry), bank["registry_line"])

    if Path(bank["file"]).is_absolute() or not path.resolve().is_relative_to(folder):
        raise refuse(f"is outside {folder.name}/: a bank's file must be under the registry's folder")
    try:
        info = os.stat(path)
    except OSError as error:
        raise refuse(f"cannot be read: {error.strerror}") from None
    if not stat.S_ISREG(info.st_mode):
        raise refuse("is not a regular file")
    if info.st_size > max_bytes:
        raise refuse(f"is {info.st_size:,} bytes, over the limit of {max_bytes:,} (--max-bank-bytes)")
    return path


def readable_bank_files(registry: Path) -> list[Path]:
    """Return the bank files a registry names that can be read; a registry or row that cannot is the stage's to report."""
    try:  # each row's file, unvalidated but for where it is (the external stage says what else is wrong, with its line)
        text = read_text(registry, limits.CSV_MAX_BYTES)  # a FIFO or device is refused unread
        banks = [
            {**bank, "registry_line": line}
            for line, bank in csv_records(text, COLUMNS, optional=editors_file("external_banks").optional)
        ]
    except InputError:
        return []
    files = []
    for bank in banks:
        if not bank.get("file"):
            continue
        try:
            files.append(bank_file(registry, bank))
        except InputError:
            continue
    return files
