"""The quality gate on a finished build (`make check`): print its checks from `quality.json`; exit 1 on a failure."""

from pathlib import Path

from pipeline import paths
from pipeline.check.stage import exit_code, read_report, summary
from pipeline.terminal import say


def add_arguments(parser) -> None:
    parser.add_argument("--reports", type=Path, default=paths.REPORTS, help="the reports folder holding quality.json")
    parser.add_argument("--strict", action="store_true", help="warnings fail too")


def main(args, context: dict) -> int:
    report = read_report(args.reports)
    say(summary(report))
    return exit_code(report, args.strict)
