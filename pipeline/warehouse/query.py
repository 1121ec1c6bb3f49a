"""Ad-hoc queries on the warehouse: one query, or an interactive session (`python -m pipeline sql`)."""

import sys
from pathlib import Path

from pipeline.errors import InputError

PROMPT, MORE = "sql> ", " ..> "
HELP = "End a query with `;`. `.tables` lists tables and views, `.schema NAME` its columns, `.quit` leaves."


# Ad-hoc queries read the warehouse and nothing else: no file read or written (COPY, EXPORT, read_text, ATTACH),
# no extension installed or loaded, and the settings locked so a query cannot turn this back on.
SANDBOX = {"enable_external_access": False, "autoinstall_known_extensions": False, "autoload_known_extensions": False, "lock_configuration": True}


def connect(database: Path):
    """Return a read-only, sandboxed connection to the warehouse; InputError if it has not been built."""
    import duckdb

    if not Path(database).exists():
        raise InputError("no warehouse database: run `make all`", str(database))
    try:
        return duckdb.connect(str(database), read_only=True, config=SANDBOX)
    except duckdb.Error as error:
        raise InputError(f"cannot open the warehouse: {str(error).splitlines()[0]}", str(database)) from None


def run_query(connection, query: str, max_rows: int = 200) -> str:
    """Return the query's result as a text table; InputError with DuckDB's first line if it fails."""
    import duckdb

    try:
        relation = connection.sql(query)
    except duckdb.Error as error:
        raise InputError(str(error).splitlines()[0], "query") from None
    if relation is None:
        return "ok"
    return relation.to_df().to_string(index=False, max_rows=max_rows, max_colwidth=80)


def dot_command(connection, line: str) -> str:
    """Return the answer to a `.tables` or `.schema NAME` command."""
    if line == ".tables":
        return run_query(connection, "select table_name, table_type from information_schema.tables order by table_type, table_name")
    if line.startswith(".schema "):
        name = line.split(maxsplit=1)[1].replace("'", "")
        return run_query(connection, f"select column_name, data_type from information_schema.columns where table_name = '{name}' order by ordinal_position")
    return HELP


def interactive(connection, stdin=sys.stdin, stdout=sys.stdout) -> int:
    """Read queries until `.quit` or end of input, printing each result; errors are printed, not raised."""
    print(f"DuckDB warehouse, read-only. {HELP}", file=stdout)
    buffer = []
    while True:
        if stdin.isatty():
            stdout.write(MORE if buffer else PROMPT)
            stdout.flush()
        line = stdin.readline()
        if not line:
            return 0
        line = line.strip()
        if not buffer and line.startswith("."):
            if line in (".quit", ".exit"):
                return 0
            print(dot_command(connection, line), file=stdout)
            continue
        buffer.append(line)
        if line.endswith(";"):
            try:
                print(run_query(connection, "\n".join(buffer)), file=stdout)
            except InputError as error:
                print(f"error: {error.message}", file=stdout)
            buffer = []
