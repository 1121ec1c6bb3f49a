"""The `build` command (what `make all` runs): every stage whose inputs, code or options changed, in this process, then
publish. With a base ref (make diff, make check BASE=) the base is built first, in the same process; with --history,
every commit that changed raw/ too (make history)."""

import os
from pathlib import Path

from pipeline import options, paths
from pipeline.errors import InputError
from pipeline.flow.graph import INPUTS, STAGES, Area


def add_arguments(parser) -> None:
    parser.add_argument("--builds", type=Path, required=True, help="the builds folder: work area, generations, current")
    parser.add_argument("--warehouse", type=Path, default=paths.WAREHOUSE, help="the published warehouse link")
    parser.add_argument("--reports", type=Path, default=paths.REPORTS, help="the published reports link")
    options.embeddings(parser)
    parser.add_argument("--only", action="append", choices=[s.name for s in STAGES], help="build this stage and what it "
                        "reads only, into the work area (not published); may be given more than once")  # fmt: skip
    parser.add_argument("--base-ref-env", metavar="NAME", help="compare with raw/ at the git ref this environment "
                        "variable holds (how Make passes BASE; empty: no comparison)")  # fmt: skip
    parser.add_argument("--versions", type=Path, help="where base and history builds go (default: BUILDS/versions)")
    parser.add_argument("--points", type=Path, help="the history's points (default: BUILDS/history.json)")
    parser.add_argument("--history", action="store_true", help="first build raw/ at every commit that changed it")
    parser.add_argument("--repo", type=Path, default=paths.ROOT, help="the git repository whose raw/ is read")
    options.inputs(parser)


def given_inputs(words: list[str]) -> dict[str, str]:
    """Return every input's path: those given as NAME=PATH, the others paths.py's. InputError for an unknown NAME."""
    given = dict(word.partition("=")[::2] for word in words)
    unknown = sorted(set(given) - set(INPUTS))
    if unknown:
        raise InputError(f"not an input of the build: {', '.join(unknown)} (inputs: {', '.join(INPUTS)})", "build")
    return {name: given.get(name) or str(default) for name, default in INPUTS.items()}


def main(args, context: dict) -> int:
    from pipeline.flow import runner

    inputs = given_inputs(args.input)
    builds = Path(args.builds)
    work = builds / "work"
    versions, points = args.versions or builds / "versions", args.points or builds / "history.json"
    ref = os.environ.get(args.base_ref_env, "") if args.base_ref_env else ""
    if ref or args.history:  # one line naming an input that cannot be read, before a base is built
        runner.input_digests(inputs)
    if args.history:
        from pipeline.flow import history

        history.record(versions, points, inputs, args.embeddings, args.repo)
    stamp = work / "warehouse" / ".base"
    if ref:  # the current build first (all but the comparison), so that a base that fails can say what this one is
        before = {s.name for s in STAGES if s.name != "changes"}
        if runner.build(inputs, builds, Area(work / "warehouse", work / "reports", args.embeddings), only=before)["error"]:
            return 2
        from pipeline.flow import base

        base.note_base(ref, versions, stamp, inputs, args.embeddings, work / "warehouse", args.repo)
    area = Area(
        work / "warehouse", work / "reports", args.embeddings, stamp if ref else None, points if points.exists() else None
    )
    result = runner.build(inputs, builds, area, only=set(args.only) if args.only else None)
    if result["error"] is not None:
        return 2
    if not args.only:
        runner.publish(builds, (args.warehouse, args.reports))
    return 0
