"""Command line: `python -m pipeline <stage> [options] [+ <stage> [options] …]`. Each stage imports only what it uses."""

import argparse
import sys
from pathlib import Path

from pipeline import limits, paths
from pipeline.errors import InputError


def say(*parts, file=None) -> None:
    """Print to the terminal with every control character from the data written out (`\\x1b`), never sent raw."""
    from pipeline.escaping import visible

    print(visible(" ".join(map(str, parts))), file=file)


def shown(line: str, args) -> str:
    """Return a stage's summary with `reports/` and `warehouse/` as the reader will find them.

    Under Make the stages write into the work area; PIPELINE_SHOW_REPORTS and PIPELINE_SHOW_WAREHOUSE (set by the
    Makefile) name the published links. Run by hand, the folders given on the command line are named.
    """
    import os

    reports = os.environ.get("PIPELINE_SHOW_REPORTS") or str(getattr(args, "reports", "reports"))
    warehouse = os.environ.get("PIPELINE_SHOW_WAREHOUSE") or str(getattr(args, "warehouse", "warehouse"))
    return line.replace("reports/", reports.rstrip("/") + "/").replace("warehouse/", warehouse.rstrip("/") + "/")


def _ingest(args) -> int:
    from pipeline.ingest import stage

    say(stage.summary(stage.run(args.source, args.warehouse)))
    return 0


def _inputs(args) -> int:
    from pipeline import inputs

    from pipeline.external.registry import readable_bank_files

    named = {}
    for word in args.input:
        name, _, path = word.partition("=")
        named[name] = Path(path)
    banks = {"EXTERNAL_BANKS": readable_bank_files(named["EXTERNAL_BANKS"])} if "EXTERNAL_BANKS" in named else {}
    inputs.write_stamps(args.stamps, named, banks)
    return 0


def _embed(args) -> int:
    from pipeline.similarity import stage

    say(stage.summary(stage.run(args.warehouse, args.embeddings)))
    return 0


def _check(args) -> int:
    from pipeline.check import stage

    report = stage.run(args.warehouse, args.expectations, args.reports, args.tolerance)
    say(stage.summary(report))
    code = stage.exit_code(report, args.strict)
    return code if args.gate else 0


def _tags(args) -> int:
    from pipeline.tags import stage

    say(shown(stage.summary(stage.run(args.warehouse, args.decisions, args.reports, args.embeddings)), args))
    return 0


def _eval_tags(args) -> int:
    from pipeline import io
    from pipeline.ingest.parse import parse_appendix
    from pipeline.similarity.embed import embeddings_for
    from pipeline.evaluation import tags as evaluate

    tagged = [q for q in parse_appendix(io.read_text(args.source, limits.APPENDIX_MAX_BYTES, "the appendix"))["questions"] if q["tag"]]
    texts, tags = [q["text"] for q in tagged], [q["tag"] for q in tagged]
    for mode in ("on", "off"):
        vectors = embeddings_for(texts, mode, 0)
        figures = evaluate.model_figures(texts, tags, vectors)
        say(f"embeddings {mode}: out-of-fold accuracy {figures['accuracy']:.3f}, macro-F1 {figures['macro_f1']:.3f} ({len(texts)} tagged questions)")
        for row in figures["per_tag"]:
            say(f"  {row['tag']:<12} precision {row['precision']:.3f}  recall {row['recall']:.3f}  F1 {row['f1']:.3f}  ({row['support']} questions)")
        flips = evaluate.flip_experiment(texts, tags, vectors, args.flips, args.seeds)
        say(f"  flipped-tag experiment ({flips['flips']} tags flipped at random, {flips['seeds']} seeds): flips found among the k least likely")
        for k, found in flips["found"].items():
            say(f"    top {k:>2}: mean {found['mean']:.1f} of {flips['flips']} (range {found['min']}–{found['max']}; runs {found['runs']})")
    return 0


def _gate(args) -> int:
    from pipeline.check import stage

    report = stage.read_report(args.reports)
    say(stage.summary(report))
    return stage.exit_code(report, args.strict)


def _publish(args) -> int:
    from pipeline.publish import stage

    say(stage.summary(stage.run(args.builds, args.warehouse, args.reports)))
    return 0


def _dedup(args) -> int:
    from pipeline.dedup import stage

    say(shown(stage.summary(stage.run(args.warehouse, args.decisions, args.reports, args.embeddings)), args))
    return 0


def _external(args) -> int:
    from pipeline.external import stage

    if args.preview:
        say(stage.preview(args.preview, args.layout, args.question_level, args.question_column))
        return 0
    say(stage.summary_banks(stage.run_banks(args.warehouse, args.registry, args.max_bank_bytes)))
    return 0


def _eval_external(args) -> int:
    from pipeline.evaluation.external import fixture_figures

    say(f"layouts on the fixture banks of {args.fixtures} (questions by text and line; a bank in two layouts counts once per part):")
    say(f"  {'layout':<16} {'banks':>5} {'questions':>9}  precision  recall")
    for row in fixture_figures(args.fixtures):
        say(f"  {row['layout']:<16} {row['banks']:>5} {row['questions']:>9}  {row['precision']:>9.3f}  {row['recall']:>6.3f}")
    return 0


def _overlap(args) -> int:
    from pipeline.external import stage

    say(shown(stage.summary_overlap(stage.run_overlap(args.warehouse, args.reports, args.embeddings)), args))
    return 0


def _warehouse(args) -> int:
    from pipeline.warehouse import stage

    say(shown(stage.summary(stage.run(args.warehouse, args.aliases, args.generic_terms)), args))
    return 0


def _report(args) -> int:
    from pipeline.report import stage

    rows = stage.run(args.warehouse, args.reports)
    say(shown(f"report: {len(rows)} sections ({sum(rows.values())} rows) — reports/coverage.html, reports/coverage.md", args))
    return 0


def _sql(args) -> int:
    from pipeline.warehouse import query

    import os

    text = os.environ.get(args.query_env, "") if args.query_env else args.query
    connection = query.connect(args.warehouse / paths.DUCKDB_FILE)
    try:
        if text:
            say(query.run_query(connection, text))
            return 0
        return query.interactive(connection, history=args.history or args.warehouse.parent / f".{args.warehouse.name}-builds" / "sql_history")
    finally:
        connection.close()


def _eval_dedup(args) -> int:
    from pipeline import io
    from pipeline.evaluation import dedup as evaluate
    from pipeline.ingest.parse import parse_appendix
    from pipeline.similarity import learn
    from pipeline.similarity.embed import MODEL_NAME, embeddings_for
    from pipeline.similarity.score import DEFAULT

    tables = parse_appendix(io.read_text(args.source, limits.APPENDIX_MAX_BYTES, "the appendix"))
    questions = tables["questions"]
    by_label = {q["label"]: q["text"] for q in questions}
    label_sets = [(_display(path), evaluate.load_labels(path, by_label)) for path in args.labels]
    rewrites = evaluate.load_rewrites(args.rewrites, set(by_label), {s["section_id"] for s in tables["sections"]})
    rewritten = evaluate.with_rewrites(tables, rewrites)["questions"]
    rewritten_labels = {q["text"]: q["label"] for q in rewritten}
    rewrite_pairs = evaluate.rewrite_pairs(rewrites, by_label, rewritten_labels)
    index = {q["label"]: i for i, q in enumerate(questions)}
    extra = {tuple(sorted((index[r["label_a"]], index[r["label_b"]]))) for _, rows in label_sets for r in rows}
    learned_on = []
    for mode in ("on", "off"):
        embeddings = embeddings_for([q["text"] for q in questions], mode, DEFAULT.embed_max_questions)
        bank = evaluate.bank_scores(questions, DEFAULT, embeddings, extra)
        moved = evaluate.bank_scores(rewritten, DEFAULT, embeddings_for([q["text"] for q in rewritten], mode, DEFAULT.embed_max_questions))
        title = f"embeddings {mode} ({MODEL_NAME})" if mode == "on" else "embeddings off (lexical and subject signals only)"
        say(f"{title}: threshold {bank['threshold']}, review band {DEFAULT.review_band}; {bank['flagged']} pairs flagged in the bank")
        for name, rows in label_sets:
            say(evaluate.format_set(name, evaluate.set_metrics(evaluate.labelled_pairs(rows), bank)))
        say(evaluate.format_set(f"{_display(args.rewrites)} ({moved['flagged']} flagged in the rewritten bank)",
                                  evaluate.set_metrics(rewrite_pairs, moved), "rewrites"))  # fmt: skip
        if mode == "on":
            learned_on = [(name, [{**bank["pairs"][frozenset((a, b))], "repeat": repeat} for a, b, repeat in evaluate.labelled_pairs(rows) if repeat is not None])
                          for name, rows in label_sets]  # fmt: skip
            every = [row for _, rows in learned_on for row in rows]
            every += [{**moved["pairs"].get(frozenset((a, b)), {"score": 0.0}), "repeat": repeat} for a, b, repeat in rewrite_pairs]
            say("  calibration of the score on every labelled pair (development, held-out, rewrites): bin, pairs, share that are repeats")
            for row in evaluate.calibration([r["score"] for r in every], [r["repeat"] for r in every]):
                say(f"    {row['bin']}: {row['pairs']:>3} pairs, {row['repeats']:>3} repeats" + (f" ({row['share']:.0%})" if row["share"] is not None else ""))
        say()
    if learned_on:
        (train_name, train), *rest = learned_on
        test = [row for _, rows in rest for row in rows]
        result = evaluate.learned_combination(train, test)
        say(f"learned combination (logistic regression over {', '.join(evaluate.FEATURES)}), fitted on {train_name}:")
        if not result["fitted"]:
            say(f"  not fitted: {result['why']}")
        else:
            say(f"  coefficients {result['coefficients']}")
            cv, held = result["cross_validated"], result["held_out"]
            say(f"  {result['folds']}-fold cross-validated: precision {cv['precision']:.3f}, recall {cv['recall']:.3f}, {cv['negatives_flagged']} non-repeats flagged")
            say(f"  on the held-out labels: precision {held['precision']:.3f}, recall {held['recall']:.3f}, {held['negatives_flagged']} non-repeats flagged")
            say("  out-of-fold calibration: " + "; ".join(f"{r['bin']}: {r['repeats']}/{r['pairs']}" for r in result["calibration"] if r["pairs"]))
            say(f"  the pipeline keeps the fixed weights until raw/duplicate_decisions.csv holds {learn.MIN_PER_CLASS} repeats and {learn.MIN_PER_CLASS} non-repeats (docs/dedup.md)")
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
    if args.update:
        changed = docs.update_docs(paths.ROOT / "docs", blocks)
        say("updated: " + ", ".join(str(p.relative_to(paths.ROOT)) for p in changed) if changed else "docs/ already up to date")
    else:
        say("\n\n".join(blocks.values()))
    return 0


def readme_blocks(database: Path) -> dict[str, str]:
    """Return the generated blocks of docs/ by name: tables, checks, and the views of the warehouse at `database`."""
    from pipeline import docs
    from pipeline.suites import load_suites
    from pipeline.schema import TABLES

    return {
        "schema": docs.schema_markdown(TABLES),
        "checks": docs.checks_markdown(load_suites(paths.EXPECTATIONS)),
        "views": docs.views_markdown(docs.describe_views(database, paths.SQL)),
    }


EMBEDDING_MODES = ("auto", "on", "off")
EMBEDDINGS_HELP = "sentence embeddings in the score: auto (banks up to 20,000 questions), on or off"


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of every subcommand."""
    parser = argparse.ArgumentParser(prog="python -m pipeline", description="Interview-question bank pipeline.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    ingest = commands.add_parser("ingest", help="parse the appendix into Parquet tables in the warehouse")
    ingest.add_argument("--source", type=Path, default=paths.SOURCE, help="appendix text file")
    ingest.add_argument("--warehouse", type=Path, default=paths.WAREHOUSE, help="output folder")
    ingest.set_defaults(handler=_ingest)

    stamps = commands.add_parser("inputs", help="write a stamp per input holding its path and content hash, when they changed (Make's prerequisites)")
    stamps.add_argument("--stamps", type=Path, required=True, help="the folder of the stamps (.input-NAME)")
    stamps.add_argument("input", nargs="+", metavar="NAME=PATH", help="an input: SOURCE=raw/appendix2_interview_questions.txt …")
    stamps.set_defaults(handler=_inputs)

    embed = commands.add_parser("embed", help="encode the questions once for dedup, overlap and tags (cache: $PIPELINE_EMBEDDINGS_CACHE)")
    embed.add_argument("--warehouse", type=Path, default=paths.WAREHOUSE)
    embed.add_argument("--embeddings", choices=EMBEDDING_MODES, default="auto", help=EMBEDDINGS_HELP)
    embed.set_defaults(handler=_embed)

    check = commands.add_parser("check", help="run the expectation suites; write quality.json and quality.html")
    check.add_argument("--warehouse", type=Path, default=paths.WAREHOUSE)
    check.add_argument("--expectations", type=Path, default=paths.EXPECTATIONS, help="folder of suite files")
    check.add_argument("--reports", type=Path, default=paths.REPORTS)
    check.add_argument("--tolerance", type=float, default=None, help="override the ~ tolerance (fraction, e.g. 0.1)")
    check.add_argument("--strict", action="store_true", help="warnings fail too")
    check.add_argument("--gate", action="store_true", help="exit 1 on a critical failure (or any, with --strict)")
    check.set_defaults(handler=_check)

    tags = commands.add_parser("tags", help="audit every question's tag against its wording; write tag_suspects and reports/tag_audit.*")
    tags.add_argument("--warehouse", type=Path, default=paths.WAREHOUSE)
    tags.add_argument("--decisions", type=Path, default=paths.TAG_DECISIONS, help="the editors' tag verdicts (CSV)")
    tags.add_argument("--reports", type=Path, default=paths.REPORTS)
    tags.add_argument("--embeddings", choices=EMBEDDING_MODES, default="auto", help=EMBEDDINGS_HELP)
    tags.set_defaults(handler=_tags)

    eval_tags = commands.add_parser("eval-tags", help="the tag audit's accuracy, per-tag F1, and the flipped-tag experiment")
    eval_tags.add_argument("--source", type=Path, default=paths.SOURCE, help="the appendix")
    eval_tags.add_argument("--flips", type=int, default=15, help="tags flipped per run (default 15)")
    eval_tags.add_argument("--seeds", type=int, default=10, help="runs, one seed each (default 10)")
    eval_tags.set_defaults(handler=_eval_tags)

    gate = commands.add_parser("gate", help="the quality gate on a finished build: print its checks; exit 1 on a critical failure")
    gate.add_argument("--reports", type=Path, default=paths.REPORTS, help="the reports folder holding quality.json")
    gate.add_argument("--strict", action="store_true", help="warnings fail too")
    gate.set_defaults(handler=_gate)

    publish = commands.add_parser("publish", help="make the finished build in BUILDS/work current: warehouse/ and reports/ switch at once")
    publish.add_argument("--builds", type=Path, required=True, help="the builds folder (work area, generations, current)")
    publish.add_argument("--warehouse", type=Path, default=paths.WAREHOUSE, help="the link readers open for the warehouse")
    publish.add_argument("--reports", type=Path, default=paths.REPORTS, help="the link readers open for the reports")
    publish.set_defaults(handler=_publish)

    dedup = commands.add_parser("dedup", help="score near-duplicate pairs, apply the editors' decisions, write the review report")
    dedup.add_argument("--warehouse", type=Path, default=paths.WAREHOUSE)
    dedup.add_argument("--decisions", type=Path, default=paths.DECISIONS, help="the editors' decisions (CSV)")
    dedup.add_argument("--reports", type=Path, default=paths.REPORTS)
    dedup.add_argument("--embeddings", choices=EMBEDDING_MODES, default="auto", help=EMBEDDINGS_HELP)
    dedup.set_defaults(handler=_dedup)

    external = commands.add_parser("external", help="read the external question banks registered in raw/external_banks.csv")
    external.add_argument("--warehouse", type=Path, default=paths.WAREHOUSE)
    external.add_argument("--registry", type=Path, default=paths.EXTERNAL_BANKS, help="the banks' registry (CSV); files are relative to it")
    external.add_argument("--preview", type=Path, metavar="FILE", help="print what each layout reads from FILE (nothing is written)")
    external.add_argument("--layout", default="auto", help="with --preview: one layout only (default: every layout, and auto's choice)")
    external.add_argument("--question-level", type=int, help="with --preview: the heading level of a question (headings layout)")
    external.add_argument("--question-column", help="with --preview: the table column holding the question (name or 1-based number)")
    external.add_argument("--max-bank-bytes", type=int, default=limits.BANK_MAX_BYTES, help=f"refuse a bank file larger than this (default {limits.BANK_MAX_BYTES:,})")
    external.set_defaults(handler=_external)

    overlap = commands.add_parser("overlap", help="match every external question to the appendix; write reports/external_coverage.*")
    overlap.add_argument("--warehouse", type=Path, default=paths.WAREHOUSE)
    overlap.add_argument("--reports", type=Path, default=paths.REPORTS)
    overlap.add_argument("--embeddings", choices=EMBEDDING_MODES, default="auto", help=EMBEDDINGS_HELP)
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
    sql.add_argument("--history", type=Path, help="the interactive session's history file (default: beside the builds, .warehouse-builds/sql_history)")
    sql.add_argument("--query-env", metavar="NAME", help="read the query from this environment variable (how `make sql Q=…` passes it untouched)")
    sql.set_defaults(handler=_sql)

    evaluation = commands.add_parser("eval-dedup", help="precision, recall and F1 of the duplicate scorer on the labelled pairs, and a threshold sweep")
    evaluation.add_argument("--labels", type=Path, nargs="+", default=[paths.DEDUP_LABELS, paths.DEDUP_HOLDOUT],
                            help="labelled pairs (CSV), one report each; default: the development set, then the held-out set")
    evaluation.add_argument("--source", type=Path, default=paths.SOURCE, help="the appendix the labels refer to")
    evaluation.add_argument("--rewrites", type=Path, default=paths.DEDUP_REWRITES, help="paraphrases and look-alikes to insert (CSV)")
    evaluation.set_defaults(handler=_eval_dedup)

    eval_external = commands.add_parser("eval-external", help="each bank layout's precision and recall on the fixture banks written by hand")
    eval_external.add_argument("--fixtures", type=Path, default=paths.EXTERNAL_FIXTURES, help="a folder of banks with their expected.json")
    eval_external.set_defaults(handler=_eval_external)

    docs = commands.add_parser("docs", help="print the generated references of docs/: tables, checks, warehouse views")
    docs.add_argument("--update", action="store_true", help="rewrite those blocks in docs/tables.md, docs/checks.md and docs/warehouse.md")
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

    Exit codes: 0 done; 1 the gate found a failure (`gate`, `check --gate`); 2 bad input or an output that cannot be
    written, with one `error:` line; 3 a bug, with one line (PIPELINE_DEBUG=1 shows the traceback).
    """
    parser = build_parser()
    commands = [parser.parse_args(words) for words in split_commands(sys.argv[1:] if argv is None else argv)]
    for args in commands:
        code = _run(args)
        if code:
            return code
    return 0


def _run(args) -> int:
    from pipeline import faults

    faults.STAGE["name"] = args.command
    try:
        return args.handler(args)
    except InputError as error:
        say(f"error: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # the reader (`| head`) left: nothing to report
        sys.stderr.close()
        return 0
    except OSError as error:  # an output we cannot write (a full disk, no permission): still one line, no traceback
        say(f"error: {error.filename or args.command}: {error.strerror or error}", file=sys.stderr)
        return 2
    except Exception as error:  # a bug or a library's failure: one line; PIPELINE_DEBUG=1 shows the traceback
        import os

        if os.environ.get("PIPELINE_DEBUG"):
            raise
        first = (str(error).splitlines() or [""])[0]
        say(f"error: {args.command}: unexpected {type(error).__name__}: {first} (PIPELINE_DEBUG=1 shows where)", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
