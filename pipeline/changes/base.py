"""The `base` command: build raw/ as it is at a git ref (`make diff BASE=<ref>`) and note where that build is.

The note (`--stamp`, JSON: ref, commit, tree, and the base build's published warehouse and reports) is rewritten only
when it changes, so the `changes` step after it reruns only when the base or its build did. The base is built in
`--area/<tree hash of raw/>`, kept between runs: a second diff against the same base costs a no-change `make all`.
"""

import os
import time
from pathlib import Path

from pipeline import options, paths
from pipeline.changes import versions
from pipeline.errors import InputError
from pipeline.terminal import say

KEEP_AREAS = 12  # base builds kept, the most recently used (make history builds one per commit that changed raw/)


def prune(area: Path, keep: int = KEEP_AREAS) -> list[Path]:
    """Delete all but the `keep` most recently used base builds in `area`; return those deleted."""
    import shutil

    builds = sorted((p for p in Path(area).glob("*") if p.is_dir() and len(p.name) == 40), key=lambda p: p.stat().st_mtime)
    for path in builds[:-keep]:
        shutil.rmtree(path, ignore_errors=True)
    return builds[:-keep]


def build_version(ref: str, area: Path, given: dict[str, str], embeddings: str, cache: str, root: Path = paths.ROOT) -> dict:
    """Resolve `ref` in the repository `root`, build its raw/ in `area/<tree>` (a finished build is reused) and return
    where it is."""
    version = versions.resolve(ref, root)
    folder = Path(area) / version["tree"]
    folder.mkdir(parents=True, exist_ok=True)
    folder.touch()  # most recently used: kept by prune
    started = time.perf_counter()
    built = versions.build(version, folder, given, embeddings, cache, folder / "build.log", root)
    say(
        f"base: {ref} = {version['commit'][:10]} (raw/ tree {version['tree'][:10]}) built in {time.perf_counter() - started:.1f} s"
    )
    return built


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
    try:
        built = build_version(ref, args.area, given, args.embeddings, args.cache, args.repo)
    except InputError:
        say(current_version(args.warehouse))
        raise
    prune(args.area)
    versions.write_if_changed(args.stamp, built)
    return 0
