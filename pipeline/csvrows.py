"""Read the editors' CSV files (decisions, registry, aliases): header check, blank rows skipped, line numbers kept. Pure."""

import csv
import datetime
import io
import re

from pipeline.errors import InputError

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f]")  # a tab is white space; any other control character is an error


def neutralised(cell: str) -> str:
    """Return `cell` safe for a spreadsheet (OWASP's CSV-injection rule): a leading `'` before a formula-like start."""
    return "'" + cell if cell.startswith(FORMULA_START) else cell


def restored(cell: str) -> str:
    """Return the cell `neutralised` wrote: the reader's inverse, so a spreadsheet round trip keeps the text."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(FORMULA_START) else cell


LINE_END = re.compile(r"(\r\n|\r|\n)")  # the only line ends: U+2028, U+0085 and form feeds stay inside their cell


def csv_lines(text: str) -> tuple[str, str, list[tuple[int, int, str, list[str]]]]:
    """Return the file's byte-order mark ("" or U+FEFF), its line end (its first one; "\n" when it has none) and each
    record as (first line, last line, its exact text, its cells). InputError with the line for text that is not CSV.

    The one reader of the editors' files, for the pipeline and the workbench alike: lines end at CR LF, CR or LF only
    (never at U+2028, as str.splitlines would), the mark a spreadsheet's "CSV UTF-8" writes is not part of the header.
    """
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    parts = LINE_END.split(text[len(bom) :])
    bodies, ends = parts[0::2], parts[1::2] + [""]
    if bodies[-1] == "":  # the text after the last line end: nothing
        bodies, ends = bodies[:-1], ends[:-1]
    newline = ends[0] if ends and ends[0] else "\n"
    reader = csv.reader(body + ("\n" if end else "") for body, end in zip(bodies, ends))
    out, start = [], 0
    try:
        for cells in reader:
            end = reader.line_num
            out.append((start + 1, end, "".join(b + e for b, e in zip(bodies[start:end], ends[start:end])), cells))
            start = end
    except csv.Error as error:  # a field over the csv module's limit, a stray quote at the end of the file
        raise InputError(f"not readable as CSV: {error}", line=reader.line_num) from None
    return bom, newline, out


def csv_line(cells: list[str], newline: str = "\n") -> str:
    """Return one CSV record for `cells`, each neutralised for spreadsheets (`'=…`), quoted where needed, ended by
    `newline` (the file's own line end): the one writer of the editors' files."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=newline).writerow([neutralised(cell) for cell in cells])
    return buffer.getvalue()


def csv_records(
    text: str, columns: tuple[str, ...], exact: bool = False, optional: tuple[str, ...] = ()
) -> list[tuple[int, dict]]:
    """Return (line, row) per non-blank row, cells stripped; InputError (with the line) for a wrong header or short row.

    With `exact`, the header and every row must have exactly `columns`; otherwise they must start with them and
    may carry more (a report saved back as the file keeps its extra columns); `optional` columns are read by their
    header name when present ("" otherwise). Cells neutralised for spreadsheets (`'=…`) are restored.
    """
    _bom, _newline, records = csv_lines(text)
    return _records(records, columns, exact, optional)


def _records(records: list, columns: tuple[str, ...], exact: bool, optional: tuple[str, ...]) -> list[tuple[int, dict]]:
    header = tuple(h.strip() for h in (records[0][3] if records else ()))
    extra = {name: header.index(name) for name in optional if name in header}
    if (header if exact else header[: len(columns)]) != columns:
        raise InputError(("the header must be " if exact else "the header must start with ") + ",".join(columns), line=1)
    rows = []
    for started, ended, _text, cells in records[1:]:
        if started != ended:  # a record over several lines: a quote left open swallows the rows after it
            raise InputError(
                f"a quoted field runs from line {started} to line {ended}: a quote opened and never closed? (a cell holds one line)",
                line=started,
            )
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) < len(columns) or (exact and len(cells) != len(columns)):
            raise InputError(f"expected {'' if exact else 'at least '}{len(columns)} fields, found {len(cells)}", line=ended)
        _refuse_controls(cells, header, ended)
        record = dict(zip(columns, (restored(cell.strip()) for cell in cells)))
        record.update({name: restored(cells[i].strip()) if i < len(cells) else "" for name, i in extra.items()})
        record.update({name: "" for name in optional if name not in extra})
        rows.append((ended, record))
    return rows


def _refuse_controls(cells: list[str], header: tuple[str, ...], line_no: int) -> None:
    """Raise InputError naming the column when a cell holds a control character (a NUL in a reviewer's name…)."""
    for position, cell in enumerate(cells):
        control = CONTROL.search(cell)
        if control:
            column = header[position] if position < len(header) else f"field {position + 1}"
            raise InputError(f"control character U+{ord(control.group()):04X} in {column}", line=line_no)


def reviewed_on(record: dict, line_no: int) -> str:
    """Return the record's `date` as YYYY-MM-DD; InputError (with the line) if it has no reviewer or no such date."""
    if not record["reviewer"]:
        raise InputError("reviewer is empty", line=line_no)
    try:
        return datetime.date.fromisoformat(record["date"]).isoformat()
    except ValueError:
        raise InputError(f"date {record['date']!r} is not YYYY-MM-DD", line=line_no) from None
