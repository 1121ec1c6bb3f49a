"""The SQL models (`pipeline/sql/`): build the DuckDB warehouse from them, or compute one model in memory.

The SQL lives in `sql/<layer>/<name>.sql`, one model per file, each a `select` that becomes the view `<name>`.
Layers run in order (staging, intermediate, reports), files alphabetically within a layer. Staging models read the
tables (every table has its `stg_` view); intermediate and report models read only staging and intermediate views.
The warehouse stage builds every model into `questions.duckdb`; the check stage computes the intermediate models it
needs (`int_tag_claims`) in memory over the same tables, so the report and the check read one definition. This
module is the only place SQL text is assembled in Python.
"""

from pathlib import Path

from pipeline.errors import InputError
from pipeline.schema import TABLES

LAYERS = ("staging", "intermediate", "reports")


def models(sql_root: Path) -> list[tuple[str, Path]]:
    """Return (view name, file) for every SQL model, in the order they must run."""
    return [(path.stem, path) for layer in LAYERS for path in sorted((Path(sql_root) / layer).glob("*.sql"))]


def grain(path: Path) -> str:
    """Return the model's grain, from its first line (`-- grain: …`)."""
    first = Path(path).read_text(encoding="utf-8").splitlines()[0]
    return first.removeprefix("-- grain:").strip() if first.startswith("-- grain:") else ""


def load_statements(parquet_paths: dict[str, Path]) -> list[tuple[str, str]]:
    """Return (table, statement) creating each declared table from its Parquet file."""
    return [
        (t.name, f"create or replace table {t.name} as select * from read_parquet('{Path(parquet_paths[t.name]).as_posix()}')")
        for t in TABLES
    ]


def view_statement(name: str, path: Path) -> str:
    """Return the statement that creates the view `name` from a model file."""
    return f"create or replace view {name} as\n{Path(path).read_text(encoding='utf-8')}"


def build(database: Path, parquet_paths: dict[str, Path], sql_root: Path) -> list[str]:
    """Create `database` with every table and every model view; return the view names. InputError names a failing model."""
    import duckdb

    try:
        _build(duckdb.connect(str(database)), parquet_paths, sql_root)
    except duckdb.Error as error:  # not a model's fault (those are InputErrors): the disk filled, the file is unwritable
        message = str(error).splitlines()[0]
        raise OSError(None, message.split(": ")[-1] if "No space left" in message else message, str(database)) from None
    wal = Path(f"{database}.wal")
    if wal.exists():
        raise InputError("the database kept a write-ahead log after closing: not published", str(wal))
    return [name for name, _ in models(sql_root)]


def _build(connection, parquet_paths: dict[str, Path], sql_root: Path) -> None:
    import duckdb

    try:
        for _, statement in load_statements(parquet_paths):
            connection.execute(statement)
        for name, path in models(sql_root):
            try:
                connection.execute(view_statement(name, path))
                connection.execute(f"select * from {name} limit 0")  # fail here, naming the file, not in a report
            except duckdb.Error as error:
                raise InputError(str(error).splitlines()[0], str(path)) from None
        connection.execute("checkpoint")  # everything into the database file: no write-ahead log is ever published
    finally:
        connection.close()


_DUCKDB_TYPES = {"string": "varchar", "int64": "bigint", "float64": "double", "bool": "boolean"}


def query_model(frames: dict, name: str, sql_root: Path, layers: tuple[str, ...] = LAYERS[:2]) -> list[dict]:
    """Return the rows of model `name`, computed in memory over `frames` (DataFrames by table name).

    A declared table missing from `frames` (an optional stage not run) is an empty table of its declared columns, and a
    frame missing a declared column gets it empty.
    Only the models of `layers` are created: by default staging and intermediate, what an intermediate model may read
    (a test computes a report with `layers=LAYERS`).
    """
    import duckdb

    connection = duckdb.connect()
    try:
        for declared in TABLES:
            if declared.name in frames:
                connection.register(f"_{declared.name}", frames[declared.name].reindex(columns=declared.column_names))
                connection.execute(f"create view {declared.name} as select * from _{declared.name}")
            else:
                columns = ", ".join(f"{c.name} {_DUCKDB_TYPES[c.type]}" for c in declared.columns)
                connection.execute(f"create table {declared.name} ({columns})")
        for model, path in models(sql_root):
            if path.parent.name in layers:
                connection.execute(view_statement(model, path))
        relation = connection.sql(f"select * from {name}")
        return [dict(zip(relation.columns, row)) for row in relation.fetchall()]
    finally:
        connection.close()
