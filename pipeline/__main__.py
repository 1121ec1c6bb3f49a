"""Command line: `python -m pipeline <stage> [options] [+ <stage> [options] …]`. Each stage imports only what it uses."""

import argparse
import sys
from pathlib import Path

from pipeline import paths
from pipeline.errors import InputError


def _ingest(args) -> int:
    from pipeline.ingest import stage

    print(stage.summary(stage.run(args.source, args.warehouse)))
    return 0


def _check(args) -> int:
    from pipeline.check import stage

    report = stage.run(args.warehouse, args.expectations, args.reports, args.tolerance)
    print(stage.summary(report))
    code = stage.exit_code(report, args.strict)
    return code if args.gate else 0


def _dedup(args) -> int:
    from pipeline.dedup import stage

    print(stage.summary(stage.run(args.warehouse, args.decisions, args.reports, args.semantic)))
    return 0


def _external(args) -> int:
    from pipeline.external import stage

    print(stage.summary_banks(stage.run_banks(args.warehouse, args.registry)))
    return 0


def _overlap(args) -> int:
    from pipeline.external import stage

    print(stage.summary_overlap(stage.run_overlap(args.warehouse, args.reports, args.semantic)))
    return 0


def _warehouse(args) -> int:
    from pipeline.warehouse import stage

    print(stage.summary(stage.run(args.warehouse, args.aliases, args.generic_terms)))
    return 0


def _report(args) -> int:
    from pipeline.report import stage

    rows = stage.run(args.warehouse, args.reports)
    print(f"report: {len(rows)} sections ({sum(rows.values())} rows) — reports/coverage.html, reports/coverage.md")
    return 0


def _sql(args) -> int:
    from pipeline.warehouse import query

    connection = query.connect(args.warehouse / paths.DUCKDB_FILE)
    try:
        if args.query:
            print(query.run_query(connection, args.query))
            return 0
        return query.interactive(connection)
    finally:
        connection.close()


def _eval_dedup(args) -> int:
    from pipeline import io
    from pipeline.dedup import evaluate
    from pipeline.dedup.score import DEFAULT, SEMANTIC, score_pairs
    from pipeline.schema import table

    questions = io.read_table(table("questions"), args.warehouse)
    labels, texts = list(questions["label"]), list(questions["text"])
    label_sets = [(path, evaluate.load_labels(path, dict(zip(labels, texts)))) for path in args.labels]
    settings, embeddings = DEFAULT, None
    if args.semantic:
        from pipeline.dedup.semantic import load_encoder

        settings, embeddings = SEMANTIC, load_encoder()(texts)
    scores = evaluate.pair_scores(score_pairs(texts, settings, embeddings=embeddings), labels)
    print(f"scoring: {'semantic (0.7 embedding cosine + 0.3 lexical)' if args.semantic else 'lexical'}")
    for path, labelled in label_sets:
        print()
        print(evaluate.format_report(_display(path), labelled, scores, settings.threshold))
    return 0


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(paths.ROOT))
    except ValueError:
        return str(path)


def _docs(args) -> int:
    from pipeline import docs

    database = args.warehouse / paths.DUCKDB_FILE
    if not database.exists():
        raise InputError("no warehouse database to describe the views from: run `make all` first", str(database))
    blocks = readme_blocks(database)
    if args.update_readme:
        print("README.md updated" if docs.update_readme(paths.ROOT / "README.md", blocks) else "README.md already up to date")
    else:
        print("\n\n".join(blocks.values()))
    return 0


def readme_blocks(database: Path) -> dict[str, str]:
    """Return the README's generated blocks by name: tables, checks, and the views of the warehouse at `database`."""
    from pipeline import docs
    from pipeline.check.suites import load_suites
    from pipeline.schema import TABLES

    return {
        "schema": docs.schema_markdown(TABLES),
        "checks": docs.checks_markdown(load_suites(paths.EXPECTATIONS)),
        "views": docs.views_markdown(docs.describe_views(database, paths.SQL)),
    }


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of every subcommand."""
    parser = argparse.ArgumentParser(prog="python -m pipeline", description="Interview-question bank pipeline.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    ingest = commands.add_parser("ingest", help="parse the appendix into Parquet tables in the warehouse")
    ingest.add_argument("--source", type=Path, default=paths.SOURCE, help="appendix text file")
    ingest.add_argument("--warehouse", type=Path, default=paths.WAREHOUSE, help="output folder")
    ingest.set_defaults(handler=_ingest)

    check = commands.add_parser("check", help="run the expectation suites; write quality.json and Data Docs")
    check.add_argument("--warehouse", type=Path, default=paths.WAREHOUSE)
    check.add_argument("--expectations", type=Path, default=paths.EXPECTATIONS, help="folder of suite files")
    check.add_argument("--reports", type=Path, default=paths.REPORTS)
    check.add_argument("--tolerance", type=float, default=None, help="override the ~ tolerance (fraction, e.g. 0.1)")
    check.add_argument("--strict", action="store_true", help="warnings fail too")
    check.add_argument("--gate", action="store_true", help="exit 1 on a critical failure (or any, with --strict)")
    check.set_defaults(handler=_check)

    dedup = commands.add_parser("dedup", help="score near-duplicate pairs, apply the editors' decisions, write the review report")
    dedup.add_argument("--warehouse", type=Path, default=paths.WAREHOUSE)
    dedup.add_argument("--decisions", type=Path, default=paths.DECISIONS, help="the editors' decisions (CSV)")
    dedup.add_argument("--reports", type=Path, default=paths.REPORTS)
    dedup.add_argument("--semantic", action="store_true", help="add sentence embeddings to the score (needs make venv-semantic)")
    dedup.set_defaults(handler=_dedup)

    external = commands.add_parser("external", help="read the external question banks registered in raw/external_banks.csv")
    external.add_argument("--warehouse", type=Path, default=paths.WAREHOUSE)
    external.add_argument("--registry", type=Path, default=paths.EXTERNAL_BANKS, help="the banks' registry (CSV); files are relative to it")
    external.set_defaults(handler=_external)

    overlap = commands.add_parser("overlap", help="match every external question to the appendix; write reports/external_coverage.*")
    overlap.add_argument("--warehouse", type=Path, default=paths.WAREHOUSE)
    overlap.add_argument("--reports", type=Path, default=paths.REPORTS)
    overlap.add_argument("--semantic", action="store_true", help="match with sentence embeddings too (needs make venv-semantic)")
    overlap.set_defaults(handler=_overlap)

    warehouse = commands.add_parser("warehouse", help="link questions to references; build warehouse/questions.duckdb and its views")
    warehouse.add_argument("--warehouse", type=Path, default=paths.WAREHOUSE)
    warehouse.add_argument("--aliases", type=Path, default=paths.ALIASES, help="reference aliases (CSV)")
    warehouse.add_argument("--generic-terms", type=Path, default=paths.GENERIC_TERMS, help="names that are no technique (CSV)")
    warehouse.set_defaults(handler=_warehouse)

    report = commands.add_parser("report", help="write the coverage report (Markdown, HTML with charts) from the warehouse")
    report.add_argument("--warehouse", type=Path, default=paths.WAREHOUSE)
    report.add_argument("--reports", type=Path, default=paths.REPORTS)
    report.set_defaults(handler=_report)

    sql = commands.add_parser("sql", help="run one query on the warehouse, or open an interactive session without one")
    sql.add_argument("query", nargs="?", help="a SQL query; omit it for an interactive session")
    sql.add_argument("--warehouse", type=Path, default=paths.WAREHOUSE)
    sql.set_defaults(handler=_sql)

    evaluation = commands.add_parser("eval-dedup", help="precision, recall and F1 of the duplicate scorer on the labelled pairs, and a threshold sweep")
    evaluation.add_argument("--warehouse", type=Path, default=paths.WAREHOUSE)
    evaluation.add_argument("--labels", type=Path, nargs="+", default=[paths.DEDUP_LABELS, paths.DEDUP_HOLDOUT],
                            help="labelled pairs (CSV), one report each; default: the development set, then the held-out set")
    evaluation.add_argument("--semantic", action="store_true", help="evaluate the semantic scoring (needs make venv-semantic)")
    evaluation.set_defaults(handler=_eval_dedup)

    docs = commands.add_parser("docs", help="print the README's generated references: tables, checks, warehouse views")
    docs.add_argument("--update-readme", action="store_true", help="rewrite those blocks in README.md")
    docs.add_argument("--warehouse", type=Path, default=paths.WAREHOUSE, help="the built warehouse whose views are described")
    docs.set_defaults(handler=_docs)
    return parser


STAGE_SEPARATOR = "+"


def split_commands(argv: list[str]) -> list[list[str]]:
    """Return the commands of `argv`, split on a lone `+`: `ingest … + external …` runs both, in order."""
    commands, current = [], []
    for word in argv:
        if word == STAGE_SEPARATOR:
            commands.append(current)
            current = []
        else:
            current.append(word)
    return commands + [current]


def main(argv: list[str] | None = None) -> int:
    """Run one subcommand, or several joined by `+` in one process (imports are paid once; the first failure stops).

    Bad input prints one `error:` line and returns 2.
    """
    parser = build_parser()
    commands = [parser.parse_args(words) for words in split_commands(sys.argv[1:] if argv is None else argv)]
    for args in commands:
        code = _run(args)
        if code:
            return code
    return 0


def _run(args) -> int:
    try:
        return args.handler(args)
    except InputError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # the reader (`| head`) left: nothing to report
        sys.stderr.close()
        return 0
    except OSError as error:  # an output we cannot write: still one line, no traceback
        print(f"error: {error.filename or ''}: {error.strerror or error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
