"""How well each layout reads the fixture banks whose questions were written down by hand: precision and recall. Pure
but for `fixture_figures`, which reads the fixtures."""

import json
from pathlib import Path

from pipeline.external.layouts import LAYOUTS, PART_SEPARATOR
from pipeline.external.markdown import read_bank


def scored(read: list[tuple[str, int]], expected: list[tuple[str, int]]) -> dict:
    """Return counts and precision and recall of the questions read (text and line) against the expected ones."""
    hits = len(set(read) & set(expected))
    return {"read": len(read), "expected": len(expected), "hits": hits}


def layout_figures(banks: dict[str, tuple[str, list[tuple[str, int]]]]) -> list[dict]:
    """Return one row per layout, and one for `auto`: over the banks written in it (as a part too), what it read.

    `banks` maps a bank's text to (its layout, the expected questions as (text, line)).
    """
    rows = []
    for layout in (*LAYOUTS, "auto"):
        total = {"read": 0, "expected": 0, "hits": 0, "banks": 0}
        for text, (written_in, expected) in banks.items():
            if layout != "auto" and layout not in written_in.split(PART_SEPARATOR):
                continue
            got = read_bank(text, layout)[0]
            wanted = expected if layout == "auto" or PART_SEPARATOR not in written_in else _part(text, layout, expected)
            counts = scored([(r["text"], r["source_line"]) for r in got], wanted)
            total = {k: total[k] + counts[k] for k in ("read", "expected", "hits")} | {"banks": total["banks"] + 1}
        if total["banks"]:
            rows.append(
                {
                    "layout": layout,
                    "banks": total["banks"],
                    "questions": total["expected"],
                    "precision": total["hits"] / total["read"] if total["read"] else 0.0,
                    "recall": total["hits"] / total["expected"] if total["expected"] else 0.0,
                }
            )
    return rows


def _part(text: str, layout: str, expected: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """Return the expected questions of one part of a bank written in several layouts: those that part's lines hold."""
    lines = {r["source_line"] for r in read_bank(text, layout)[0]}
    return [e for e in expected if e[1] in lines]


def fixture_figures(folder: Path) -> list[dict]:
    """Return `layout_figures` over the fixtures in `folder` (their expected rows in `expected.json`)."""
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    banks = {
        (folder / name).read_text(encoding="utf-8"): (case["layout"], [(row[2], row[3]) for row in case["rows"]])
        for name, case in expected.items()
    }
    return layout_figures(banks)


def add_arguments(parser) -> None:
    from pipeline import paths

    parser.add_argument(
        "--fixtures", type=Path, default=paths.EXTERNAL_FIXTURES, help="a folder of banks with their expected.json"
    )


def main(args, context: dict) -> int:
    from pipeline.terminal import say

    say(
        f"layouts on the fixture banks of {args.fixtures} (questions by text and line; a bank in two layouts counts once per part):"
    )
    say(f"  {'layout':<16} {'banks':>5} {'questions':>9}  precision  recall")
    for row in fixture_figures(args.fixtures):
        say(f"  {row['layout']:<16} {row['banks']:>5} {row['questions']:>9}  {row['precision']:>9.3f}  {row['recall']:>6.3f}")
    return 0
