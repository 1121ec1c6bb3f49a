"""The `changes` command: what one build of the bank did to another's questions (the first part of `make diff`).

It compares two built warehouses (the questions tables that ingest wrote), so each version is read by today's code.
"""

from pathlib import Path

from pipeline import io, options
from pipeline.changes.match import question_changes
from pipeline.schema import table
from pipeline.terminal import say


def run(base_warehouse: Path, warehouse: Path, base_reports: Path | None = None, reports: Path | None = None) -> dict:
    """Return what the build in `warehouse` changed against the one in `base_warehouse`: its questions, and (where both
    builds have them) its flagged duplicate pairs and (with both reports folders) its failing checks."""
    import json

    from pipeline import limits
    from pipeline.changes.findings import check_changes, duplicate_changes
    from pipeline.changes.match import match_questions

    base, current = io.read_rows(table("questions"), base_warehouse), io.read_rows(table("questions"), warehouse)
    out = {"questions": question_changes(base, current)}
    touched = {current[j]["question_id"] for j in range(len(current))} - {base[i]["question_id"] for i in range(len(base))}
    if all((folder / "duplicate_pairs.parquet").exists() for folder in (Path(base_warehouse), Path(warehouse))):
        pairs = [io.read_rows(table("duplicate_pairs"), folder) for folder in (base_warehouse, warehouse)]
        out["duplicates"] = duplicate_changes(pairs[0], pairs[1], touched)
    if base_reports and reports:
        quality = [
            json.loads(io.read_text(Path(f) / "quality.json", limits.REPORT_MAX_BYTES, "a quality report"))
            for f in (base_reports, reports)
        ]
        labels = {current[j]["label"]: base[i]["label"] for i, j in match_questions(base, current)}
        out["checks"] = check_changes(quality[0], quality[1], labels)
    return out


def summary(changes: dict) -> str:
    """Return one line: questions added, removed, edited, re-tagged, moved and unchanged; pairs and checks gained and lost."""
    questions = changes["questions"]
    line = ", ".join(f"{len(questions[kind])} {kind}" for kind in ("added", "removed", "edited", "retagged", "moved"))
    line = f"changes: {line}, {questions['unchanged']} unchanged"
    if "duplicates" in changes:
        line += f"; {len(changes['duplicates']['new_pairs'])} new flagged pairs, {len(changes['duplicates']['gone_pairs'])} gone"
    if "checks" in changes:
        line += f"; {len(changes['checks']['new_failures'])} new failures, {len(changes['checks']['fixed'])} fixed"
    return line


def add_arguments(parser) -> None:
    parser.add_argument("--base-warehouse", type=Path, required=True, help="the warehouse built from the bank before the change")
    options.warehouse(parser, "the warehouse built from the bank after it")
    parser.add_argument("--base-reports", type=Path, help="the reports of the base build (quality.json): compare the checks too")
    parser.add_argument("--reports", type=Path, help="the reports of the build after the change")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the changes as JSON to FILE")
    parser.add_argument(
        "--markdown", type=Path, metavar="FILE", help="also write them as a pull-request comment (Markdown) to FILE"
    )
    parser.add_argument("--base", default="", help="what the base is called in the comment (a git ref)")


def main(args, context: dict) -> int:
    changes = run(args.base_warehouse, args.warehouse, args.base_reports, args.reports)
    say(summary(changes))
    for kind in ("added", "removed", "edited", "retagged", "moved"):
        for row in changes["questions"][kind]:
            label = row.get("label") or row.get("base_label")
            before = (
                f" (was {row['base_label']})"
                if row.get("base_label") and row.get("label") and row["base_label"] != row["label"]
                else ""
            )
            say(f"  {kind:<9} {label}{before}: {row.get('text') or row.get('tag') or row.get('section_id')}")
    for failure in changes.get("checks", {}).get("new_failures", []):
        say(
            f"  {failure['severity'].upper():<9} {failure['expectation']}"
            + (f" (line {failure['line']})" if failure["line"] is not None else "")
        )
    if args.json:
        io.write_json(changes, args.json)
    if args.markdown:
        from pipeline.changes.report import render_markdown

        args.markdown.write_text(render_markdown(changes, args.base), encoding="utf-8")
    return 0
