"""Ad-hoc queries on the warehouse: one query, or an interactive session (`python -m pipeline sql`)."""

import sys
from pathlib import Path

from pipeline.errors import InputError

PROMPT, MORE = "sql> ", " ..> "
HELP = "End a query with `;`. `.tables` lists tables and views, `.schema NAME` its columns, `.help` this, `.quit` or Ctrl-D leaves; Ctrl-C cancels."


# Ad-hoc queries read the warehouse and nothing else: no file read or written (COPY, EXPORT, read_text, ATTACH),
# no extension installed or loaded, and the settings locked so a query cannot turn this back on.
SANDBOX = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "lock_configuration": True,
}


def connect(database: Path):
    """Return a read-only, sandboxed connection to the warehouse; InputError if it has not been built."""
    import duckdb

    if not Path(database).exists():
        raise InputError("no warehouse database: run `make all`", str(database))
    try:
        return duckdb.connect(str(database), read_only=True, config=SANDBOX)
    except duckdb.Error as error:
        raise InputError(f"cannot open the warehouse: {str(error).splitlines()[0]}", str(database)) from None


def render(relation, width: int | None = None, max_rows: int = 200) -> str:
    """Return a result as the DuckDB CLI shows it: a box table, NULL as NULL, columns fitted to `width`."""
    import contextlib
    import io
    import shutil

    width = width or shutil.get_terminal_size((120, 24)).columns
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        relation.show(max_width=width, max_rows=max_rows)
    return buffer.getvalue().rstrip("\n")


def run_query(connection, query: str, max_rows: int = 200, width: int | None = None) -> str:
    """Return the query's result as a box table, control characters written out; InputError with DuckDB's whole message
    (its hint too) if it fails."""
    import duckdb

    from pipeline.escaping import visible

    try:  # a relation runs when it is shown: a refused table function (`sniff_csv`) fails there, not in `sql`
        relation = connection.sql(query)
        return "ok" if relation is None else visible(render(relation, width, max_rows))
    except duckdb.Error as error:
        raise InputError(" ".join(str(error).split("\n")), "query") from None


def dot_command(connection, line: str) -> str:
    """Return the answer to `.tables`, `.schema NAME` or `.help`."""
    if line == ".tables":
        return run_query(
            connection,
            "select table_name as name, table_type as kind from information_schema.tables order by table_type, table_name",
        )
    if line.startswith(".schema"):
        name = line.removeprefix(".schema").strip().replace("'", "")
        if not name:
            return "usage: .schema NAME (.tables lists the names)"
        return run_query(
            connection,
            f"select column_name, data_type from information_schema.columns where table_name = '{name}' order by ordinal_position",
        )
    return HELP


def _history(path: Path | None):
    """Return a function that saves the history, after loading it from `path` (readline, when the terminal has it)."""
    try:
        import readline
    except ImportError:  # no line editing on this Python: the session still works
        return lambda: None
    readline.set_history_length(1000)
    if path and Path(path).exists():
        try:
            readline.read_history_file(str(path))
        except OSError:
            pass

    def save():
        for position in reversed(range(readline.get_current_history_length())):  # leaving is not worth recalling
            if (readline.get_history_item(position + 1) or "").strip() in (".quit", ".exit"):
                readline.remove_history_item(position)
        if path:
            try:
                Path(path).parent.mkdir(parents=True, exist_ok=True)
                readline.write_history_file(str(path))
            except OSError:
                pass

    return save


def interactive(connection, stdin=sys.stdin, stdout=sys.stdout, history: Path | None = None) -> int:
    """Read queries until `.quit` or Ctrl-D, printing each result; errors are printed, not raised.

    On a terminal: line editing and history (readline, kept in `history`), Ctrl-C cancels the line or the running
    query and the session goes on. Without one (a pipe): lines are read as they come, without prompts.
    """
    tty = stdin.isatty()
    save = _history(history) if tty else (lambda: None)
    print(f"DuckDB warehouse, read-only. {HELP}", file=stdout, flush=True)
    buffer: list[str] = []
    try:
        while True:
            try:
                if tty:
                    line = input(MORE if buffer else PROMPT)
                else:
                    line = stdin.readline()
                    if not line:
                        return 0
            except EOFError:
                print(file=stdout)
                return 0
            except KeyboardInterrupt:
                print("^C", file=stdout, flush=True)
                buffer = []
                continue
            line = line.strip()
            if not buffer and line.startswith("."):
                if line in (".quit", ".exit"):
                    return 0
                print(dot_command(connection, line), file=stdout, flush=True)
                continue
            if line:
                buffer.append(line)
            if buffer and buffer[-1].endswith(";"):
                try:
                    print(run_query(connection, "\n".join(buffer)), file=stdout, flush=True)
                except InputError as error:
                    print(f"error: {error.message}", file=stdout, flush=True)
                except KeyboardInterrupt:
                    connection.interrupt()
                    print("query cancelled", file=stdout, flush=True)
                buffer = []
    finally:
        save()


def add_arguments(parser) -> None:
    from pipeline import options

    parser.add_argument("query", nargs="?", help="a SQL query; omit it for an interactive session")
    options.warehouse(parser)
    parser.add_argument(
        "--history",
        type=Path,
        help="the interactive session's history file (default: beside the builds, .warehouse-builds/sql_history)",
    )
    parser.add_argument(
        "--query-env",
        metavar="NAME",
        help="read the query from this environment variable (how `make sql Q=…` passes it untouched)",
    )


def main(args, context: dict) -> int:
    import os

    from pipeline import paths

    text = os.environ.get(args.query_env, "") if args.query_env else args.query
    connection = connect(args.warehouse / paths.DUCKDB_FILE)
    try:
        if text:
            print(run_query(connection, text))
            return 0
        return interactive(
            connection, history=args.history or args.warehouse.parent / f".{args.warehouse.name}-builds" / "sql_history"
        )
    finally:
        connection.close()
