"""The gate on what a change introduced (`make check BASE=<ref>`): reads reports/changes.json; exit 1 on a new problem.

Problems are matched by identity (pipeline/changes/findings.py), never by line. Old debts never fail it; a critical
problem the base did not have always does. With `--strict` so does a new warning: an undecided flagged pair or a tag
suspect on a question the change wrote, a claim the change moved further from its stated figure. What moved on
questions the change never touched (drift) never fails it.
"""

import json
from pathlib import Path

from pipeline import io, limits, options
from pipeline.errors import InputError
from pipeline.schema import report_file
from pipeline.terminal import say

HINTS = {"pair": "decide the pair (make review) or reword one", "question": "decide it (make review) or fix it"}


def new_problems(changes: dict, strict: bool) -> list[str]:
    """Return one line per problem the change introduced that fails the gate (`strict`: warnings too), each once, with
    its figures, from the same list changes.md and changes.html show. Pure."""
    return [
        f"{p['severity'].upper()} {p['text']}: {p['expectation']}" + (f"; {HINTS[p['kind']]}" if p["kind"] in HINTS else "")
        for p in changes["checks"]["new_failures"]
        if p["severity"] == "critical" or strict
    ]


def add_arguments(parser) -> None:
    options.reports(parser, "the reports folder holding changes.json (make diff wrote it)")
    parser.add_argument("--strict", action="store_true", help="new warnings fail too")


def main(args, context: dict) -> int:
    path = Path(args.reports) / report_file("changes.json")
    if not path.exists():
        raise InputError("no comparison in this build: run `make check BASE=<ref>` (or make diff)", str(path))
    try:
        changes = json.loads(io.read_text(path, limits.REPORT_MAX_BYTES, "a changes report"))
    except json.JSONDecodeError as error:
        raise InputError(f"not the changes stage's JSON: {error.msg}", str(path), error.lineno) from None
    problems = new_problems(changes, args.strict)
    base = f"{changes['base']} ({changes['base_commit'][:10]})"
    for problem in problems:
        say(f"  {problem}")
    gate = "warnings fail too" if args.strict else "critical failures only"
    if problems:
        count = f"{len(problems)} new problem" + ("" if len(problems) == 1 else "s")
        say(f"gate against {base}: FAILS, {count} ({gate}); old debts are not counted")
        return 1
    say(f"gate against {base}: passes, nothing new ({gate}); old debts are not counted")
    return 0
