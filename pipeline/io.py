"""The file edges: read input text strictly, write tables and reports so a failed run changes nothing."""

import contextlib
import json
import os
import shutil
import tempfile
from pathlib import Path

from pipeline.errors import InputError
from pipeline.faults import reached
from pipeline.schema import Table


def checked_file(path: Path, max_bytes: int, what: str = "any input") -> Path:
    """Return `path` if it is a regular file of at most `max_bytes`; InputError naming the file otherwise.

    Checked before the file is opened: a FIFO, a device (`/dev/zero`), a file grown past any real size, or a link
    to a file outside the folder it is named in (raw/appendix.txt → /etc/…) is refused in one line, never read.
    """
    import stat

    folder = Path(path).parent.resolve()
    if not Path(path).resolve().is_relative_to(folder):  # a link out of its folder (raw/x → /etc/…): never read
        raise InputError(
            f"is a link to a file outside {folder.name or folder}/ ({Path(path).resolve()}): refused unread", str(path)
        )
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise InputError("no such file", str(path)) from None
    except OSError as error:
        raise InputError(f"cannot read: {error.strerror}", str(path)) from None
    if stat.S_ISDIR(info.st_mode):
        raise InputError("is a directory, not a file", str(path))
    if not stat.S_ISREG(info.st_mode):
        raise InputError("is not a regular file (a FIFO, a device?): refused unread", str(path))
    if info.st_size > max_bytes:
        raise InputError(
            f"is {info.st_size:,} bytes, over the limit of {max_bytes:,} for {what} (docs/reliability.md)", str(path)
        )
    return Path(path)


def read_text(path: Path, max_bytes: int, what: str = "any input") -> str:
    """Return the UTF-8 text of `path` (a regular file of at most `max_bytes`); InputError naming the file (and line)."""
    try:
        with open(checked_file(path, max_bytes, what), "rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as error:
        raise InputError(f"cannot read: {error.strerror}", str(path)) from None
    if len(data) > max_bytes:  # grew after the check
        raise InputError(f"is over the limit of {max_bytes:,} bytes for {what} (docs/reliability.md)", str(path))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise InputError(f"not UTF-8 text (byte 0x{data[error.start]:02x} at offset {error.start})", str(path), line) from None


@contextlib.contextmanager
def staged_outputs(target: Path):
    """Yield a scratch folder; on success move every file in it into `target`, on failure delete it.

    Everything a stage writes goes to the scratch folder first, so a stage that fails part-way leaves the outputs
    of the last good run exactly as they were; files are moved by rename (a reader sees the old file or the new
    one, never a half-written one). Scratch folders a killed run left behind are removed on the next run. An
    OSError that names no file (a full disk) is raised naming the folder being written.
    """
    target = Path(target)
    try:
        target.mkdir(parents=True, exist_ok=True)
        for stale in target.glob(".staging-*"):  # left by a killed run: nothing in them was published
            if not _in_use(stale):  # another stage writing into the same folder right now (make -j) keeps its own
                shutil.rmtree(stale, ignore_errors=True)
        scratch = Path(tempfile.mkdtemp(prefix=".staging-", dir=target))
        lock = _hold(scratch)
    except OSError as error:
        raise _named(error, target) from None
    try:
        reached("start")
        yield scratch
        reached("written")
        moved = 0
        for path in sorted(scratch.rglob("*")):
            if path.is_file() and path.name != LOCK:
                destination = target / path.relative_to(scratch)
                destination.parent.mkdir(parents=True, exist_ok=True)
                os.replace(path, destination)
                moved += 1
                if moved == 1:
                    reached("moving")
        reached("moved")
    except OSError as error:
        raise _named(error, target) from None
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        os.close(lock)


LOCK = ".in-use"  # inside each scratch folder, locked while its stage runs: the OS releases it when the process dies


def _hold(scratch: Path) -> int:
    """Lock the scratch folder's lock file for as long as this process writes into it; return the file descriptor."""
    import fcntl

    descriptor = os.open(scratch / LOCK, os.O_CREAT | os.O_RDWR, 0o644)
    fcntl.flock(descriptor, fcntl.LOCK_EX)
    return descriptor


def _in_use(scratch: Path, grace_s: float = 30.0) -> bool:
    """Return whether a running process holds the scratch folder (a killed one holds nothing: its lock died with it)."""
    import fcntl
    import time

    try:
        descriptor = os.open(scratch / LOCK, os.O_RDWR)
    except FileNotFoundError:  # just made, not yet locked; or left by an older version: only an old one is a leftover
        try:
            return time.time() - scratch.stat().st_mtime < grace_s
        except OSError:  # gone meanwhile: nothing to remove
            return True
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(descriptor)
    return False


def _named(error: OSError, folder: Path) -> OSError:
    """Return `error` naming `folder` when it names no file of its own."""
    if error.filename:
        return error
    return type(error)(error.errno, error.strerror or str(error), str(folder))


_ARROW_TYPES = {"string": "string", "int64": "int64", "float64": "float64", "bool": "bool_"}


def arrow_schema(table: Table):
    """Return the pyarrow schema of a declared table."""
    import pyarrow as pa

    return pa.schema([pa.field(c.name, getattr(pa, _ARROW_TYPES[c.type])(), nullable=c.nullable) for c in table.columns])


def write_table(rows: list[dict], table: Table, folder: Path) -> Path:
    """Write `rows` as `<folder>/<table>.parquet` with the declared schema; return the path."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns = {name: [row.get(name) for row in rows] for name in table.column_names}
    arrow_table = pa.Table.from_pydict(columns, schema=arrow_schema(table))
    path = Path(folder) / f"{table.name}.parquet"
    pq.write_table(arrow_table, path)
    return path


def write_columns(columns: dict, table: Table, folder: Path) -> Path:
    """Write columns (arrays or lists, one per declared column) as `<folder>/<table>.parquet`; NaN floats become null."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = arrow_schema(table)
    arrays = []
    for field in schema:
        values = columns[field.name]
        if isinstance(values, np.ndarray) and values.dtype.kind == "f":
            missing = np.isnan(values)
            if pa.types.is_integer(field.type):
                values = np.where(missing, 0, values).astype(np.int64)
            arrays.append(pa.array(values, type=field.type, mask=missing))
        else:
            arrays.append(
                pa.array(list(values) if isinstance(values, np.ndarray) and values.dtype == object else values, type=field.type)
            )
    path = Path(folder) / f"{table.name}.parquet"
    pq.write_table(pa.Table.from_arrays(arrays, schema=schema), path)
    return path


def _parquet(table: Table, folder: Path):
    """Return the table's ParquetFile (not pq.read_table: it imports pyarrow.dataset, 0.2 s); InputError if missing."""
    import pyarrow.parquet as pq

    path = Path(folder) / f"{table.name}.parquet"
    if not path.exists():
        raise InputError(f"missing table {table.name}: run the stage that writes it (`make all`)", str(path))
    return pq.ParquetFile(path)


def read_table(table: Table, folder: Path):
    """Return `<folder>/<table>.parquet` as a pandas DataFrame."""
    return _parquet(table, folder).read().to_pandas()


def read_rows(table: Table, folder: Path) -> list[dict]:
    """Return `<folder>/<table>.parquet` as a list of row dicts (ints stay ints, nulls are None)."""
    return _parquet(table, folder).read().to_pylist()


def read_column(table: Table, folder: Path, column: str) -> list:
    """Return one column of `<folder>/<table>.parquet` as a list (the other columns are not read)."""
    return _parquet(table, folder).read(columns=[column]).column(0).to_pylist()


def row_count(table: Table, folder: Path) -> int:
    """Return the rows of `<folder>/<table>.parquet`, from its footer (nothing else is read)."""
    return _parquet(table, folder).metadata.num_rows


def write_json(payload, path: Path) -> None:
    """Write `payload` as indented JSON."""
    Path(path).write_text(json.dumps(payload, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")


def write_page(path: Path, text: str) -> None:
    """Write a declared report file (a page, a Markdown report); a control character that reached it from data is written
    out (`\\x1b`), never raw. KeyError for a file `schema.REPORT_FILES` does not declare."""
    from pipeline.escaping import visible
    from pipeline.schema import report_file

    Path(path).with_name(report_file(Path(path).name)).write_text(visible(text), encoding="utf-8")


def query_views(database: Path, views: list[str]) -> dict[str, tuple[list[str], list[tuple]]]:
    """Return (columns, rows) of each view, read from the warehouse opened read-only."""
    import duckdb

    if not Path(database).exists():
        raise InputError("no warehouse database: run `make all`", str(database))
    connection = duckdb.connect(str(database), read_only=True)
    try:
        results = {}
        for view in views:
            relation = connection.sql(f"select * from {view}")
            results[view] = (relation.columns, relation.fetchall())
        return results
    finally:
        connection.close()
