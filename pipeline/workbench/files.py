"""Verdicts written into the editors' CSV files under raw/, the only source of truth. Pure merge, atomic write.

A write is a change of some rows, keyed (a pair of question ids, or one question id), merged into the file as it is
on disk at that moment: a row the write does not touch keeps its bytes, a changed row is replaced where it stands,
a new row is appended, a removed row goes. A file an editor or a colleague changed since the page loaded is thus
merged, never overwritten. The new text replaces the file in one rename (fsync'd first), so a killed writer leaves
the file as before or as after, and one lock makes writers take turns.
"""

import errno
import fcntl
import os
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

from pipeline import io, limits
from pipeline.csvrows import LINE_END, csv_line, csv_lines
from pipeline.csvrows import restored as as_written
from pipeline.errors import InputError


class Sheet(NamedTuple):
    """An editors' CSV file as the workbench merges it: what it keeps byte for byte, and each row as written."""

    bom: str  # "" or the U+FEFF a spreadsheet's "CSV UTF-8" starts with: kept on every rewrite
    newline: str  # the file's line end (its first one): the rows written get the same
    head: str  # the header's exact text ("" for an empty file)
    names: list[str]  # the header's columns, stripped
    rows: list[tuple[str, dict | None]]  # each record's exact text and its cells by column (None for a blank row)


def records(text: str) -> Sheet:
    """Return the file read by the pipeline's own CSV reader (csvrows.csv_lines): lines end at CR LF, CR or LF only, a
    record may span lines (a quoted newline), cells are stripped and un-neutralised (`'@ana` is `@ana`, as written).
    InputError with the line for a file that is not CSV."""
    bom, newline, lines = csv_lines(text)
    if not lines:
        return Sheet(bom, newline, "", [], [])
    names = [name.strip() for name in lines[0][3]]
    rows = [
        (raw, dict(zip(names, (as_written(c.strip()) for c in cells))) if any(c.strip() for c in cells) else None)
        for _first, _last, raw, cells in lines[1:]
    ]
    return Sheet(bom, newline, lines[0][2], names, rows)


def read_csv(path: Path) -> str:
    """Return an editors' file's text as make all reads it (its bytes as UTF-8: CR LF and the BOM kept), "" when it is
    not there; InputError naming the file for one make all would refuse (not UTF-8, over the limit, a FIFO)."""
    return io.read_text(Path(path), limits.CSV_MAX_BYTES, "an editors' CSV file") if Path(path).exists() else ""


def _ended(raw: str, newline: str) -> str:
    """Return a record's text with a line end (the last line of a file may have none)."""
    return raw if raw.endswith(("\n", "\r")) else raw + newline


def merged(text: str, header: tuple[str, ...], key: Callable[[dict], str], changes: dict[str, dict | None]) -> tuple[str, dict]:
    """Return the file's new text with `changes` (key → the row's new cells by column, or None to remove it) merged
    in, and what each key held before (its row by column as written, or None): the undo of this write is
    merged(after, header, key, before). The file's mark and line end are kept. Pure."""
    sheet = records(text)
    names = sheet.names or list(header)
    if tuple(names[: len(header)]) != tuple(header):
        raise InputError(f"the header does not start with {','.join(header)}: not written", line=1)
    head = _ended(sheet.head, sheet.newline) if sheet.head else csv_line(names, sheet.newline)
    used = [n for change in changes.values() if change for n in change if n not in names]
    if used:  # an optional column the file does not have yet (the pair's texts, the question to cut): added at the end
        names += list(dict.fromkeys(used))
        head = csv_line(names, sheet.newline)
    out, before, done = [], {}, set()
    for raw, row in sheet.rows:
        k = key(row) if row else None
        if k in changes and k not in done:
            before[k] = row
            done.add(k)
            if changes[k] is not None:
                out.append(csv_line([changes[k].get(n, row.get(n, "")) for n in names], sheet.newline))
            continue
        out.append(_ended(raw, sheet.newline))
    for k, change in changes.items():
        if k not in done:
            before[k] = None
            if change is not None:
                out.append(csv_line([change.get(n, "") for n in names], sheet.newline))
    return sheet.bom + head + "".join(out), before


def row_of(text: str, key: Callable[[dict], str], wanted: str) -> dict | None:
    """Return the cells (by column, as written) of the row of `text` whose key is `wanted`, or None. Pure."""
    for _raw, row in records(text).rows:
        if row and key(row) == wanted:
            return row
    return None


def rows_by_key(text: str, key: Callable[[dict], str], wanted) -> dict[str, dict | None]:
    """Return the cells (by column, as written) of the first row of `text` for each key `wanted`, None where there is
    none: one reading of the file for all of them. Pure."""
    wanted, out = set(wanted), {}
    for _raw, row in records(text).rows:
        k = key(row) if row else None
        if k in wanted and k not in out:
            out[k] = row
    return {k: out.get(k) for k in wanted}


def history_addition(start: str, header: tuple[str, ...], rows: list[dict]) -> str:
    """Return the text that appends `rows` to a CSV file whose text begins with `start` (its first bytes, "" for an
    empty file): the header first when it is empty, each row ended by the file's own line end, in the file's own
    columns (a history begun before a column was declared keeps its header: the rows fit it). Pure."""
    first_end = LINE_END.search(start)
    newline = first_end.group() if first_end else "\n"
    head = "" if start else csv_line(list(header), newline)
    names = [name.strip() for name in csv_lines(start[: first_end.end()])[2][0][3]] if first_end else list(header)
    return head + "".join(csv_line([row.get(n, "") for n in names], newline) for row in rows)


def widened(text: str, columns: tuple[str, ...]) -> str | None:
    """Return a CSV file's text with the `columns` its header lacks added at the header's end (its rows keep their
    bytes: a row shorter than the header reads its missing cells as empty), or None when it has them all. Pure."""
    sheet = records(text)
    missing = [name for name in columns if name not in sheet.names]
    if not sheet.head or not missing:
        return None
    head = csv_line(sheet.names + missing, sheet.newline)
    return sheet.bom + head + "".join(_ended(raw, sheet.newline) for raw, _row in sheet.rows)


def replayed(history: str) -> dict[str, dict[str, dict]]:
    """Return the verdicts the verdict history leaves in each decisions file (file → key → the row's cells: ids,
    verdict, reviewer, date, note, and for a pair its cut), each event's verdict replacing the key's last. Pure."""
    out: dict[str, dict[str, dict]] = {name: {} for name in KEYS}
    for _raw, event in records(history).rows:
        if not event or event.get("file") not in KEYS:
            continue
        verdicts, key = out[event["file"]], event["key"]
        if not event.get("verdict"):
            verdicts.pop(key, None)
            continue
        ids = dict(zip(("question_id_a", "question_id_b"), key.split("|"))) if "|" in key else {"question_id": key}
        said = {"verdict": event["verdict"], "reviewer": event.get("held_by", ""), "date": event.get("held_since", ""),
                "note": event.get("note", "")} | ({"cut": event.get("cut", "")} if "|" in key else {})  # fmt: skip
        verdicts[key] = ids | said
    return out


def pair_key(row: dict) -> str:
    """Return a duplicate decision's key: its two question ids, sorted, joined by |."""
    a, b = row.get("question_id_a", "").strip(), row.get("question_id_b", "").strip()
    return "|".join(sorted((a, b)))


def tag_key(row: dict) -> str:
    """Return a tag decision's key: its question id."""
    return row.get("question_id", "").strip()


KEYS = {"duplicate_decisions": pair_key, "tag_decisions": tag_key}


@contextmanager
def locked(lock_path: Path):
    """Hold the writers' lock (an flock the OS releases however the process ends)."""
    Path(lock_path).parent.mkdir(parents=True, exist_ok=True)
    handle = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)


def replace_atomically(path: Path, text: str) -> None:
    """Write `text` to `path` in one rename: a temporary file beside it, flushed to disk, then renamed over it."""
    path = Path(path)
    if path.exists() and not path.stat().st_mode & 0o222:  # a rename would replace it, even for root: refused
        raise PermissionError(errno.EACCES, "the file is read-only", str(path))
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(temporary, "w", encoding="utf-8", newline="") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        if path.exists():
            os.chmod(temporary, path.stat().st_mode & 0o777)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
