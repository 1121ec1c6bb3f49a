"""`python -m pipeline <stage>` (`ingest`, `dedup`, `tags`, …): that stage and every stage it reads, built by the one
runner into the work area of a builds folder, exactly as `make all` builds them; it never publishes, so the published
`warehouse/` and `reports/` stay as they are (only `make all` and the workbench publish). The stage's outputs are in
BUILDS/work/warehouse and BUILDS/work/reports, which the command names. A stage whose inputs, code and options did not
change since it was last built there is not run again.
"""

from pathlib import Path

from pipeline import options, paths
from pipeline.flow.command import given_inputs


def add_arguments(parser) -> None:
    parser.add_argument("--builds", type=Path, default=paths.BUILDS, help="the builds folder whose work area it builds "
                        "into (default: the one make all uses)")  # fmt: skip
    options.embeddings(parser)
    options.inputs(parser)


def main(args, context: dict) -> int:
    from pipeline.flow import runner
    from pipeline.flow.graph import Area
    from pipeline.terminal import say

    work = Path(args.builds) / "work"
    result = runner.build(given_inputs(args.input), Path(args.builds), Area(work / "warehouse", work / "reports", args.embeddings),
                          only={args.command})  # fmt: skip
    if result["error"] is not None:
        return 2
    if not result["ran"]:
        say(f"{args.command}: up to date in {work} (nothing it reads changed)")
    say(f"{args.command}: outputs in {work / 'warehouse'} and {work / 'reports'} (not published: make all publishes)")
    return 0
