"""The `changes` command: what one build of the bank did to another's questions (the first part of `make diff`).

It compares two built warehouses (the questions tables that ingest wrote), so each version is read by today's code.
"""

from pathlib import Path

from pipeline import io, options
from pipeline.changes.match import question_changes
from pipeline.schema import table
from pipeline.terminal import say


def run(base_warehouse: Path, warehouse: Path) -> dict:
    """Return the question changes from the build in `base_warehouse` to the one in `warehouse`."""
    return question_changes(io.read_rows(table("questions"), base_warehouse), io.read_rows(table("questions"), warehouse))


def summary(changes: dict) -> str:
    """Return one line: how many questions were added, removed, edited, re-tagged, moved, and left unchanged."""
    counts = ", ".join(f"{len(changes[kind])} {kind}" for kind in ("added", "removed", "edited", "retagged", "moved"))
    return f"changes: {counts}, {changes['unchanged']} unchanged"


def add_arguments(parser) -> None:
    parser.add_argument("--base-warehouse", type=Path, required=True, help="the warehouse built from the bank before the change")
    options.warehouse(parser, "the warehouse built from the bank after it")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the changes as JSON to FILE")


def main(args, context: dict) -> int:
    changes = run(args.base_warehouse, args.warehouse)
    say(summary(changes))
    for kind in ("added", "removed", "edited", "retagged", "moved"):
        for row in changes[kind]:
            label = row.get("label") or row.get("base_label")
            before = (
                f" (was {row['base_label']})"
                if row.get("base_label") and row.get("label") and row["base_label"] != row["label"]
                else ""
            )
            say(f"  {kind:<9} {label}{before}: {row.get('text') or row.get('tag') or row.get('section_id')}")
    if args.json:
        io.write_json({"questions": changes}, args.json)
    return 0
