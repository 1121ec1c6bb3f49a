"""Read the editors' CSV files (decisions, registry, aliases): header check, blank rows skipped, line numbers kept. Pure."""

import csv
import io

from pipeline.errors import InputError


def csv_records(text: str, columns: tuple[str, ...], exact: bool = False) -> list[tuple[int, dict]]:
    """Return (line, row) per non-blank row, cells stripped; InputError (with the line) for a wrong header or short row.

    With `exact`, the header and every row must have exactly `columns`; otherwise they must start with them and
    may carry more (a report saved back as the file keeps its extra columns).
    """
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff")))
    header = tuple(h.strip() for h in next(reader, None) or ())
    if (header if exact else header[: len(columns)]) != columns:
        raise InputError(("the header must be " if exact else "the header must start with ") + ",".join(columns), line=1)
    rows = []
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) < len(columns) or (exact and len(cells) != len(columns)):
            raise InputError(f"expected {'' if exact else 'at least '}{len(columns)} fields, found {len(cells)}", line=reader.line_num)
        rows.append((reader.line_num, dict(zip(columns, (cell.strip() for cell in cells)))))
    return rows
