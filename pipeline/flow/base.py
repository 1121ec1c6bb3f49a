"""The `base` command: build raw/ as it is at a git ref (`make diff BASE=<ref>`) and note where that build is.

The files the build reads, as they are at the commit, are read from git (flow/versions.py: nothing checked out, renames
followed, each file under its limit) into `--area/<tree hash of raw/>` and
built there **in this process** by the same runner as every build (runner.py): no nested `make`, the imports paid
once, the embeddings cache shared; a second diff against the same base finds every stage current. The note
(`--stamp`, JSON: ref, commit, tree, and the base build's published warehouse and reports) is rewritten only when it
changes, so the `changes` stage after it reruns only when the base or its build did.
"""

import os
import time
from pathlib import Path

from pipeline import options, paths
from pipeline.errors import InputError
from pipeline.flow import runner, versions
from pipeline.flow.graph import Area
from pipeline.terminal import say

KEEP_AREAS = 12  # base builds kept, the most recently used (make history builds one per commit that changed raw/)


def prune(area: Path, keep: int = KEEP_AREAS) -> list[Path]:
    """Delete all but the `keep` most recently used base builds in `area`; return those deleted."""
    import shutil

    builds = sorted((p for p in Path(area).glob("*") if p.is_dir() and len(p.name) == 40), key=lambda p: p.stat().st_mtime)
    for path in builds[:-keep]:
        shutil.rmtree(path, ignore_errors=True)
    return builds[:-keep]


def build_at(version: dict, folder: Path, given: dict[str, str], embeddings: str, root: Path = paths.ROOT) -> dict:
    """Build raw/ at `version` with today's code into `folder` (in this process; its lines go to `folder/build.log`);
    return where its warehouse and reports are published. InputError with the build's own error line when it fails,
    each copy of a file in it named as the person knows it (raw/appendix.txt at HEAD~1 (…)), not by its scratch path."""
    inputs, shown = versions.base_inputs(version, folder, given, root)
    builds, links = Path(folder) / ".warehouse-builds", (Path(folder) / "warehouse", Path(folder) / "reports")
    log = Path(folder) / "build.log"
    with open(log, "w", encoding="utf-8") as out:

        def said(*parts, file=None):  # noqa: ARG001 - the base build's lines go to its log, errors too
            out.write(" ".join(map(str, parts)) + "\n")

        result = runner.build(inputs, builds, Area(builds, builds, embeddings), say=said)
        if result["error"] is None:
            try:
                runner.publish(builds, links, say=said)
            except InputError as error:
                result["error"] = f"error: {error}"
    if result["error"] is not None:
        error = str(result["error"])
        for copy, words in sorted(shown.items(), key=lambda item: -len(item[0])):
            error = error.replace(copy, words)
        raise InputError(f"the bank at {version['commit'][:10]} does not build: {error} (log: {log})", f"BASE={version['ref']}")
    published = (builds / "current").resolve()
    return {**version, "warehouse": str(published / "warehouse"), "reports": str(published / "reports")}


def build_version(ref: str, area: Path, given: dict[str, str], embeddings: str, root: Path = paths.ROOT) -> dict:
    """Resolve `ref` in the repository `root`, build its raw/ in `area/<tree>` (what is current there is not built
    again) and return where it is."""
    version = versions.resolve(ref, root)
    folder = Path(area) / version["tree"]
    folder.mkdir(parents=True, exist_ok=True)
    folder.touch()  # most recently used: kept by prune
    started = time.perf_counter()
    built = build_at(version, folder, given, embeddings, root)
    say(
        f"base: {ref} = {version['commit'][:10]} (raw/ tree {version['tree'][:10]}) built in {time.perf_counter() - started:.1f} s"
    )
    return built


def note_base(ref: str, area: Path, stamp: Path, given: dict[str, str], embeddings: str, warehouse: Path, root: Path) -> None:
    """Build the base and write its note (only when it changed); InputError, after saying what the current raw/ builds
    to, when it cannot be built."""
    try:
        built = build_version(ref, area, given, embeddings, root)
    except InputError:
        say(current_version(warehouse))
        raise
    prune(area)
    versions.write_if_changed(stamp, built)


def current_version(warehouse: Path) -> str:
    """Return a few words on the current build (said beside a base that does not build)."""
    from pipeline import io
    from pipeline.schema import table

    try:
        questions = io.read_rows(table("questions"), warehouse)
    except (OSError, InputError, ValueError):
        return "the current raw/ has not been built"
    return f"the current raw/ builds: {len(questions)} questions in {len({q['section_id'] for q in questions})} sections"


def add_arguments(parser) -> None:
    given = parser.add_mutually_exclusive_group(required=True)
    given.add_argument("--ref", help="the git ref to build raw/ at (BASE)")
    given.add_argument("--ref-env", metavar="NAME", help="read the ref from this environment variable (how Make passes BASE)")
    parser.add_argument("--stamp", type=Path, required=True, help="the note of where the base build is (JSON)")
    options.warehouse(parser, "the current build's work area (said beside a base that does not build)")
    options.versions(parser)


def main(args, context: dict) -> int:
    given = dict(word.partition("=")[::2] for word in args.input)
    ref = os.environ.get(args.ref_env, "") if args.ref_env else args.ref
    note_base(ref, args.area, args.stamp, given, args.embeddings, args.warehouse, args.repo)
    return 0
