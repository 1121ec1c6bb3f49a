"""The command line, a thin face: `python -m pipeline <command> [options]`.

Each command is a module with `add_arguments(parser)` and `main(args, context) -> int`. Every stage of the build graph
is a command through one module (flow/stage_command.py): the runner builds that stage and what it reads into the work
area, never publishing. Only the module of a command that runs is imported, so `python -m pipeline gate` does not pay
for pandas or Great Expectations.

Exit codes: 0 done; 1 the gate found a failure (`gate`, `gate-changes`); 2 bad input or an output that cannot be
written, with one `error:` line; 3 a bug, with one line (PIPELINE_DEBUG=1 shows the traceback).
"""

import argparse
import importlib
import sys

from pipeline.errors import InputError
from pipeline.flow.graph import STAGES
from pipeline.terminal import say

PROG = "python -m pipeline"
# command: (module, what it does). The module holds the command's options and its `main`.
COMMANDS = {
    "build": (
        "pipeline.flow.command",
        "build every stage whose inputs, code or options changed, in this process, then publish (what make all runs)",
    ),
    "external-preview": (
        "pipeline.external.stage",
        "print what each bank layout, and auto, reads from a Markdown file, line by line (nothing is written)",
    ),
    "gate": ("pipeline.check.gate", "the quality gate on a finished build: print its checks; exit 1 on a critical failure"),
    "base": ("pipeline.flow.base", "build raw/ as it is at a git ref with today's code (make diff), and note where"),
    "gate-changes": ("pipeline.changes.gate", "the gate on what a change introduced (make check BASE=): exit 1 on a new problem"),
    "history": ("pipeline.flow.history", "build raw/ at every commit that changed it; write the points history.html draws"),
    "review": (
        "pipeline.workbench.command",
        "serve the editors' workbench on 127.0.0.1: verdicts into raw/, rebuilds in-process",
    ),
    "sql": ("pipeline.warehouse.query", "run one query on the warehouse, or open an interactive session without one"),
    "eval-dedup": (
        "pipeline.evaluation.dedup",
        "precision, recall and F1 of the duplicate scorer on the labelled pairs, and a threshold sweep",
    ),
    "eval-tags": ("pipeline.evaluation.tags", "the tag audit's accuracy, per-tag F1, and the flipped-tag experiment"),
    "eval-external": (
        "pipeline.evaluation.external",
        "each bank layout's precision and recall on the fixture banks written by hand",
    ),
    "docs": ("pipeline.docs", "print the generated references of docs/ and the README: tables, checks, views, commands"),
}
# Each stage of the graph is a command too: that stage and what it reads, built by the runner into the work area.
COMMANDS |= {stage.name: ("pipeline.flow.stage_command", stage.about + " (into the work area; make all publishes)")
             for stage in STAGES}  # fmt: skip


def top_help() -> str:
    """Return the usage and the list of commands."""
    width = max(map(len, COMMANDS))
    rows = "\n".join(f"  {name:<{width}}  {text}" for name, (_, text) in COMMANDS.items())
    return f"usage: {PROG} COMMAND [options]\n\nInterview-question bank pipeline.\n\ncommands:\n{rows}\n"


def parser_for(name: str) -> argparse.ArgumentParser:
    """Return the argument parser of one command (importing only that command's module)."""
    module, text = COMMANDS[name]
    parser = argparse.ArgumentParser(prog=f"{PROG} {name}", description=text)
    importlib.import_module(module).add_arguments(parser)
    return parser


def parse(words: list[str]) -> argparse.Namespace:
    """Return the parsed arguments of one command's words; SystemExit (2, argparse's message) if they are wrong."""
    if not words or words[0] not in COMMANDS:
        said = repr(words[0]) if words else "nothing"
        sys.stderr.write(f"{PROG}: error: invalid choice: {said} (choose from {', '.join(COMMANDS)})\n")
        raise SystemExit(2)
    args = parser_for(words[0]).parse_args(words[1:])
    args.command = words[0]
    return args


def main(argv: list[str] | None = None) -> int:
    """Run one command; return its exit code."""
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help"):
        (sys.stdout if argv else sys.stderr).write(top_help())
        return 0 if argv else 2
    return run(parse(argv), {})


def guarded(name: str, action) -> tuple[int, object]:
    """Run `action()`; return (0, what it returned), or (code, the one error line) for bad input (2), an output that
    cannot be written (2) or a bug (3): never a traceback (PIPELINE_DEBUG=1 shows it). The caller says the line."""
    import os

    try:
        return 0, action()
    except InputError as error:
        return 2, f"error: {error}"
    except BrokenPipeError:  # the reader (`| head`) left: nothing to report
        sys.stderr.close()
        return 0, None
    except OSError as error:  # an output we cannot write (a full disk, no permission): still one line, no traceback
        return 2, f"error: {error.filename or name}: {error.strerror or error}"
    except Exception as error:  # a bug or a library's failure: one line; PIPELINE_DEBUG=1 shows the traceback
        if os.environ.get("PIPELINE_DEBUG"):
            raise
        first = (str(error).splitlines() or [""])[0]
        return 3, f"error: {name}: unexpected {type(error).__name__}: {first} (PIPELINE_DEBUG=1 shows where)"


def run(args: argparse.Namespace, context: dict) -> int:
    """Run one parsed command; bad input and failures become one line and an exit code, never a traceback."""
    from pipeline import faults

    faults.STAGE["name"] = args.command
    code, said = guarded(args.command, lambda: importlib.import_module(COMMANDS[args.command][0]).main(args, context))
    if code:
        say(said, file=sys.stderr)
        return code
    return said or 0
