"""The build graph, declared once: each stage's name, the inputs it reads (as paths.py names them), the stages whose
outputs it reads, the code it runs, what it writes (from schema.py) and the function that runs it.

Every loop builds from this declaration through one runner (runner.py): `make all`, the workbench's rebuilds, the
base and history builds of `make diff` and `make history`, and the bench. The Makefile names no stage: it calls the
runner. A stage is run when what it depends on changed by content (its inputs, its code, the stages before it, the
options it takes); `tests/test_graph.py` checks the declaration against the code and the schema.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pipeline import paths
from pipeline.schema import REPORT_FILES, TABLES, WAREHOUSE_FILES

# The inputs a build reads, by the name Make gives them, with their default path (paths.py).
INPUTS: dict[str, Path] = {
    "SOURCE": paths.SOURCE,
    "DECISIONS": paths.DECISIONS,
    "TAG_DECISIONS": paths.TAG_DECISIONS,
    "EXTERNAL_BANKS": paths.EXTERNAL_BANKS,
    "ALIASES": paths.ALIASES,
    "GENERIC_TERMS": paths.GENERIC_TERMS,
    "VERDICT_HISTORY": paths.VERDICT_HISTORY,
}
SHARED_CODE = ("*.py", "cli/*.py")  # the rooms below every stage: a change there may change any stage's output


@dataclass(frozen=True)
class Area:
    """Where one build writes: its work area's warehouse and reports folders, and the options it was given."""

    warehouse: Path
    reports: Path
    embeddings: str = "auto"
    base_stamp: Path | None = None  # the note of the base build to compare with (make diff), if any
    points: Path | None = None  # the history's earlier points (make history), if any


@dataclass(frozen=True)
class Stage:
    name: str
    inputs: tuple[str, ...]  # INPUTS it reads
    after: tuple[str, ...]  # stages whose outputs it reads
    code: tuple[str, ...]  # globs under pipeline/ of the code and data it runs, besides SHARED_CODE
    options: tuple[str, ...] = ()  # the Area fields its output depends on
    run: Callable[[Area, dict, dict], str] = field(default=lambda area, inputs, context: "", repr=False)
    about: str = ""  # what it does, in a line: `python -m pipeline <name> --help` and `make help` say it
    imports: tuple[str, ...] = ()  # the slow modules it imports (seconds): loaded early, beside the encoding
    apart: bool = False  # a clean build runs it in a process of its own, side by side with the stages that do not
    # read it, while this process has not loaded its `imports` yet

    @property
    def outputs(self) -> tuple[str, ...]:
        """Return what it writes into the work area, as schema.py declares each output's stage (optional reports, which
        only some builds write, are not among them)."""
        tables = tuple(f"warehouse/{t.name}.parquet" for t in TABLES if t.stage == self.name)
        files = tuple(f"warehouse/{f.name}" for f in WAREHOUSE_FILES if f.stage == self.name)
        return tables + files + tuple(f"reports/{r.name}" for r in REPORT_FILES if r.stage == self.name and not r.optional)

    @property
    def writes(self) -> tuple[str, ...]:
        """Return every file it may write: its outputs, the optional reports, and the files it rewrites (`amends`:
        a file an earlier stage made, replaced by a new one, never written in place)."""
        optional = tuple(f"reports/{r.name}" for r in REPORT_FILES if r.stage == self.name and r.optional)
        amended = tuple(f"warehouse/{f.name}" for f in WAREHOUSE_FILES if self.name in f.amended_by)
        return self.outputs + optional + amended


def _ingest(area: Area, inputs: dict, context: dict) -> str:
    from pipeline.ingest import stage

    return stage.summary(stage.run(Path(inputs["SOURCE"]), area.warehouse))


def _external(area: Area, inputs: dict, context: dict) -> str:
    from pipeline.external import stage

    return stage.summary(stage.run(area.warehouse, Path(inputs["EXTERNAL_BANKS"])))


def _embed(area: Area, inputs: dict, context: dict) -> str:
    from pipeline.similarity import stage

    return stage.summary(stage.run(area.warehouse, area.embeddings))


def _overlap(area: Area, inputs: dict, context: dict) -> str:
    from pipeline.overlap import stage
    from pipeline.terminal import shown_report

    out = stage.run(area.warehouse, area.reports, area.embeddings)
    context["bank_space"] = out.pop("space")  # dedup, next: the bank is vectorised once
    return stage.summary(out) + " — " + shown_report(area.reports / "external_coverage.html", area.reports)


def _dedup(area: Area, inputs: dict, context: dict) -> str:
    from pipeline.dedup import stage
    from pipeline.terminal import shown_report

    tables = stage.run(area.warehouse, Path(inputs["DECISIONS"]), area.reports, area.embeddings, context.pop("bank_space", None))
    return stage.summary(tables) + " — " + shown_report(area.reports / "duplicates.html", area.reports)


def _tags(area: Area, inputs: dict, context: dict) -> str:
    from pipeline.tags import stage
    from pipeline.terminal import shown_report

    result = stage.run(area.warehouse, Path(inputs["TAG_DECISIONS"]), area.reports, area.embeddings)
    return stage.summary(result) + " — " + shown_report(area.reports / "tag_audit.html", area.reports)


def _check(area: Area, inputs: dict, context: dict) -> str:
    from pipeline.check import stage

    return stage.summary(stage.run(area.warehouse, paths.EXPECTATIONS, area.reports))


def _warehouse(area: Area, inputs: dict, context: dict) -> str:
    from pipeline.terminal import shown_table
    from pipeline.warehouse import stage

    later = frozenset(s.name for s in STAGES) - upstream({"warehouse"})
    result = stage.run(
        area.warehouse, Path(inputs["ALIASES"]), Path(inputs["GENERIC_TERMS"]), Path(inputs["VERDICT_HISTORY"]), later
    )
    return stage.summary(result, shown_table(area.warehouse / paths.DUCKDB_FILE, area.warehouse))


def _report(area: Area, inputs: dict, context: dict) -> str:
    from pipeline.report import stage
    from pipeline.terminal import shown_report

    rows = stage.run(area.warehouse, area.reports)
    pages = ", ".join(shown_report(area.reports / name, area.reports) for name in ("coverage.html", "coverage.md"))
    return f"report: {len(rows)} sections ({sum(rows.values())} rows) — {pages}"


def _changes(area: Area, inputs: dict, context: dict) -> str:
    from pipeline.changes import stage

    changes = stage.run(area.warehouse, area.reports, area.base_stamp, area.points)
    if changes is None:
        return "changes: not compared with another version (make diff BASE=<ref>); history.html has this build's measures"
    return "\n".join([stage.summary(changes), *stage.details(changes)])


SIMILARITY = ("similarity/*.py", "similarity/minilm/*")  # the scorer and the encoder with its model
STAGES: tuple[Stage, ...] = (  # in an order that runs each stage after what it reads
    Stage("ingest", ("SOURCE",), (), ("ingest/*.py",), (), _ingest,
          "parse the appendix into Parquet tables in the warehouse"),
    Stage("external", ("EXTERNAL_BANKS",), ("ingest",), ("external/*.py", "external/layouts/*.py"), (), _external,
          "read the question banks registered in raw/external_banks.csv"),
    # encodes every question once into the embeddings cache (no table): overlap, dedup and tags read it
    Stage("embed", (), ("ingest", "external"), SIMILARITY, ("embeddings",), _embed,
          "encode the questions once for dedup, overlap and tags (cache: $PIPELINE_EMBEDDINGS_CACHE)"),
    Stage("overlap", (), ("ingest", "external", "embed"), ("overlap/*.py", *SIMILARITY), ("embeddings",), _overlap,
          "match every external question to the appendix; write reports/external_coverage.*"),
    Stage("dedup", ("DECISIONS",), ("ingest", "embed"), ("dedup/*.py", "dedup/page/*", "assets/*", *SIMILARITY),
          ("embeddings",), _dedup, "score near-duplicate pairs, apply raw/duplicate_decisions.csv, write the review page and CSV"),
    Stage("tags", ("TAG_DECISIONS",), ("ingest", "embed"), ("tags/*.py", "tags/page/*", "assets/*", *SIMILARITY),
          ("embeddings",), _tags, "audit every question's tag against its wording; write tag_suspects and reports/tag_audit.*",
          ("sklearn.linear_model", "sklearn.model_selection", "cleanlab.filter"), apart=True),
    Stage("check", (), ("ingest", "external", "dedup", "tags"), ("check/*.py", "sql/*/*.sql", "../expectations/*.json"),
          (), _check, "run the expectation suites; write quality.json and quality.html",
          ("great_expectations", "pipeline.check.validate"), apart=True),
    Stage("warehouse", ("ALIASES", "GENERIC_TERMS", "VERDICT_HISTORY"), ("ingest", "external", "overlap", "dedup", "tags"),
          ("warehouse/*.py", "sql/*/*.sql"), (), _warehouse,
          "link questions to references; build warehouse/questions.duckdb and its views"),
    Stage("report", (), ("warehouse",), ("report/*.py", "sql/*/*.sql", "../expectations/*.json"), (), _report,
          "write the coverage report (Markdown, HTML with charts) from the warehouse", ("matplotlib.figure",)),
    Stage("changes", (), ("warehouse", "check"), ("changes/*.py",), ("base_stamp", "points"), _changes,
          "this build's measures (history table, history.html); with a base, what it changed (reports/changes.*)"),
)  # fmt: skip
BY_NAME = {stage.name: stage for stage in STAGES}


def upstream(names: set[str]) -> set[str]:
    """Return `names` and every stage they read from, transitively."""
    out, todo = set(), list(names)
    while todo:
        name = todo.pop()
        if name not in out:
            out.add(name)
            todo += BY_NAME[name].after
    return out


def downstream(names: set[str]) -> set[str]:
    """Return `names` and every stage that reads from them, transitively."""
    out = set(names)
    for stage in STAGES:  # declared in an order where a stage comes after what it reads
        if set(stage.after) & out:
            out.add(stage.name)
    return out


def readers(input_names: set[str]) -> set[str]:
    """Return the stages a change of these inputs makes run again (those reading them, and all after)."""
    return downstream({stage.name for stage in STAGES if set(stage.inputs) & input_names})
