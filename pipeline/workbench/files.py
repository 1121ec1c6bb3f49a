"""Verdicts written into the editors' CSV files under raw/, the only source of truth. Pure merge, atomic write.

A write is a change of some rows, keyed (a pair of question ids, or one question id), merged into the file as it is
on disk at that moment: a row the write does not touch keeps its bytes, a changed row is replaced where it stands,
a new row is appended, a removed row goes. A file an editor or a colleague changed since the page loaded is thus
merged, never overwritten. The new text replaces the file in one rename (fsync'd first), so a killed writer leaves
the file as before or as after, and one lock makes writers take turns.
"""

import csv
import errno
import fcntl
import io
import os
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

from pipeline.csvrows import neutralised
from pipeline.errors import InputError


def records(text: str) -> tuple[str, list[tuple[str, list[str]]]]:
    """Return the header's text and each record as (its exact text, its cells); a record may span lines (a quoted
    newline). InputError with the line for a file that is not CSV."""
    lines = text.splitlines(keepends=True)
    reader = csv.reader(io.StringIO(text))
    out, start = [], 0
    try:
        for cells in reader:
            end = reader.line_num
            out.append(("".join(lines[start:end]), cells))
            start = end
    except csv.Error as error:
        raise InputError(f"not readable as CSV: {error}", line=reader.line_num) from None
    if not out:
        return "", []
    return out[0][0], out[1:]


def row_text(cells: list[str]) -> str:
    """Return one CSV record for `cells`, each neutralised for spreadsheets (`'=…`) and quoted where needed."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow([neutralised(c) for c in cells])
    return buffer.getvalue()


def merged(text: str, header: tuple[str, ...], key: Callable[[dict], str], changes: dict[str, dict | None]) -> tuple[str, dict]:
    """Return the file's new text with `changes` (key → the row's new cells by column, or None to remove it) merged
    in, and what each key held before (its row's text, or None): the undo of this write. Pure."""
    head, rows = records(text)
    if not head:
        head = ",".join(header) + "\n"
    names = next(csv.reader([head]))
    if tuple(n.strip() for n in names[: len(header)]) != tuple(header):
        raise InputError(f"the header does not start with {','.join(header)}: not written", line=1)
    used = [n for change in changes.values() if change for n in change if n not in names]
    if used:  # an optional column the file does not have yet (the pair's texts, the question to cut): added at the end
        names += list(dict.fromkeys(used))
        head = row_text(names)
    out, before, done = [], {}, set()
    for raw, cells in rows:
        row = dict(zip(names, cells))
        k = key(row) if any(c.strip() for c in cells) else None
        if k in changes and k not in done:
            before[k] = raw
            done.add(k)
            if changes[k] is not None:
                out.append(row_text([changes[k].get(n, row.get(n, "")) for n in names]))
            continue
        out.append(raw if raw.endswith("\n") else raw + "\n")
    for k, change in changes.items():
        if k not in done:
            before[k] = None
            if change is not None:
                out.append(row_text([change.get(n, "") for n in names]))
    return head + "".join(out), before


def restored(text: str, header: tuple[str, ...], key: Callable[[dict], str], before: dict[str, str | None]) -> str:
    """Return the file's text with each key's row put back as `before` holds it (the undo of a write). Pure."""
    head, rows = records(text)
    names = next(csv.reader([head])) if head else list(header)
    out, done = [], set()
    for raw, cells in rows:
        k = key(dict(zip(names, cells))) if any(c.strip() for c in cells) else None
        if k in before and k not in done:
            done.add(k)
            if before[k] is not None:
                out.append(before[k] if before[k].endswith("\n") else before[k] + "\n")
            continue
        out.append(raw if raw.endswith("\n") else raw + "\n")
    out += [raw for k, raw in before.items() if k not in done and raw is not None]
    return (head or ",".join(header) + "\n") + "".join(out)


def row_of(text: str, key: Callable[[dict], str], wanted: str) -> dict | None:
    """Return the cells (by column) of the row of `text` whose key is `wanted`, or None when it holds none. Pure."""
    head, rows = records(text)
    names = next(csv.reader([head])) if head else []
    for _raw, cells in rows:
        row = dict(zip(names, cells))
        if any(c.strip() for c in cells) and key(row) == wanted:
            return row
    return None


def appended(text: str, header: tuple[str, ...], rows: list[dict]) -> str:
    """Return `text` (a CSV file, maybe empty) with `rows` added at its end, each cell neutralised and quoted. Pure."""
    head = text if text else ",".join(header) + "\n"
    if not head.endswith("\n"):
        head += "\n"
    return head + "".join(row_text([row.get(n, "") for n in header]) for row in rows)


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
