"""The gate on what a change introduced (`make check BASE=<ref>`): reads reports/changes.json; exit 1 on a new problem.

Old debts never fail it; a critical check failure the base did not have always does. With `--strict` so does a new
warning: a warning check that now fails, a flagged pair involving an added or edited question that no editor decided,
a new tag suspect on a question the change wrote, and a stated tag count that the change moved further from.
"""

import json
from pathlib import Path

from pipeline import io, limits, options
from pipeline.errors import InputError
from pipeline.schema import report_file
from pipeline.terminal import say


def new_problems(changes: dict, strict: bool) -> list[str]:
    """Return one line per problem the change introduced that fails the gate (`strict`: warnings too). Pure."""
    out = []
    for failure in changes["checks"]["new_failures"]:
        if failure["severity"] == "critical" or strict:
            line = f" (line {failure['line']})" if failure["line"] is not None else ""
            out.append(f"{failure['severity'].upper()} new failure of {failure['expectation']}{line}")
    if not strict:
        return out
    for pair in changes["duplicates"]["new_pairs"]:
        if pair["status"] == "needs review":
            out.append(f"WARNING {pair['label_a']} and {pair['label_b']} look like one question asked twice (score "
                       f"{pair['score']:.2f}): decide the pair (make review) or reword one")  # fmt: skip
    for suspect in changes["tag_suspects"]:
        if suspect["introduced"]:
            out.append(f"WARNING {suspect['label']} is tagged [{suspect['tag']}] but reads as [{suspect['suggested_tag']}]: "
                       "decide it (make review) or re-tag it")  # fmt: skip
    for claim in changes["tag_claims"]:
        if claim["further"]:
            out.append(f"WARNING [{claim['tag']}] now {claim['actual']} questions against a stated {claim['stated']} "
                       f"(was {claim['base_actual']}): further from the stated count")  # fmt: skip
    return out


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
        say(f"gate against {base}: FAILS, {len(problems)} new problems ({gate}); old debts are not counted")
        return 1
    say(f"gate against {base}: passes, nothing new ({gate}); old debts are not counted")
    return 0
