"""How well each layout, and `auto`, reads the fixture banks whose questions and parts were written down by hand:
precision and recall per layout, and whether `auto` cut each bank into the right parts. Pure but for
`fixture_figures`, which reads the fixtures."""

import json
from dataclasses import dataclass
from pathlib import Path

from pipeline.external.layouts import LAYOUTS, PART_SEPARATOR
from pipeline.external.markdown import read_bank


@dataclass(frozen=True)
class Case:
    """A fixture bank: its text, the layout(s) it is written in, its questions as (text, line), and for a bank in
    several layouts its parts as (layout, first line, last line, questions)."""

    text: str
    layout: str
    expected: list[tuple[str, int]]
    parts: list[tuple[str, int, int, int]] | None = None


def counts(read: list[tuple[str, int]], expected: list[tuple[str, int]]) -> dict:
    """Return how many questions (text and line) were read, expected, and both."""
    return {"read": len(read), "expected": len(expected), "hits": len(set(read) & set(expected))}


def in_lines(rows: list[tuple[str, int]], spans: list[tuple[int, int]]) -> list[tuple[str, int]]:
    """Return the rows whose line lies in one of `spans` (first, last)."""
    return [r for r in rows if any(first <= r[1] <= last for first, last in spans)]


def per_layout(case: Case) -> dict[str, dict]:
    """Return, for each layout the bank is written in, its counts: the bank read in its own layout(s), each layout
    scored on the lines its parts hold (the truth's parts for the expected questions, the reading's for the read)."""
    reading = read_bank(case.text, case.layout)
    got = [(r["text"], r["source_line"]) for r in reading.rows]
    layouts = case.layout.split(PART_SEPARATOR)
    if len(layouts) == 1:
        return {case.layout: counts(got, case.expected)}
    return {
        layout: counts(
            in_lines(got, [(p.first_line, p.last_line) for p in reading.parts if p.layout == layout]),
            in_lines(case.expected, [(first, last) for name, first, last, _ in case.parts or [] if name == layout]),
        )
        for layout in layouts
    }


def figures(counted: list[dict]) -> dict:
    """Return banks, questions, precision and recall over several counts."""
    read, expected, hits = (sum(c[k] for c in counted) for k in ("read", "expected", "hits"))
    return {
        "banks": len(counted),
        "questions": expected,
        "precision": hits / read if read else 0.0,
        "recall": hits / expected if expected else 0.0,
    }


def layout_figures(cases: list[Case]) -> list[dict]:
    """Return one row per layout (over the banks written in it, as a part too), then one for `auto` over every bank,
    with how many banks it cut into the truth's parts (a bank in one layout: read in that layout alone)."""
    by_layout: dict[str, list[dict]] = {}
    for case in cases:
        for layout, counted in per_layout(case).items():
            by_layout.setdefault(layout, []).append(counted)
    rows = [{"layout": layout, **figures(by_layout[layout])} for layout in LAYOUTS if layout in by_layout]
    auto, parts_right = [], 0
    for case in cases:
        reading = read_bank(case.text, "auto")
        auto.append(counts([(r["text"], r["source_line"]) for r in reading.rows], case.expected))
        truth = case.parts or [(case.layout, None, None, None)]
        got = [(p.layout, p.first_line, p.last_line, p.questions) for p in reading.parts]
        parts_right += got == truth if case.parts else [p[0] for p in got] == [case.layout]
    return rows + [{"layout": "auto", **figures(auto), "parts_right": parts_right}]


def fixture_cases(folder: Path) -> list[Case]:
    """Return the fixtures in `folder` (their truth in `expected.json`)."""
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    return [
        Case(
            (folder / name).read_text(encoding="utf-8"),
            case["layout"],
            [(row[2], row[3]) for row in case["rows"]],
            [tuple(p) for p in case["parts"]] if "parts" in case else None,
        )
        for name, case in expected.items()
    ]


def fixture_figures(folder: Path) -> list[dict]:
    """Return `layout_figures` over the fixtures in `folder`."""
    return layout_figures(fixture_cases(folder))


def add_arguments(parser) -> None:
    from pipeline import paths

    parser.add_argument(
        "--fixtures", type=Path, default=paths.EXTERNAL_FIXTURES, help="a folder of banks with their expected.json"
    )
    parser.add_argument("--corpus", type=Path, default=paths.EXTERNAL_CORPUS, help="the corpus of real banks (#46)")
    parser.add_argument("--validation", type=Path, default=paths.EXTERNAL_VALIDATION,
                        help="real banks read after the corpus rules were written, scored apart (#46)")  # fmt: skip
    parser.add_argument("--blind", type=Path, default=paths.EXTERNAL_BLIND,
                        help="real banks collected after every rule was written, scored apart (#46)")  # fmt: skip
    parser.add_argument("--blind2", type=Path, default=paths.EXTERNAL_BLIND2,
                        help="real banks collected after the blind banks' rules, scored apart (#46)")  # fmt: skip
    parser.add_argument("--figures", type=Path, default=paths.EXTERNAL_CORPUS_FIGURES,
                        help="the last run's held-out figures: shown as 'before', then replaced")  # fmt: skip


def corpus_lines(rows: list[dict], before: dict) -> list[str]:
    """Return the corpus table: each bank's held-out figures (and before, where known), the means, the worst five."""
    from pipeline.evaluation import corpus

    was = {r["bank"]: r for r in before.get("banks", [])}
    lines = [f"  {'bank':<36} {'lang':<4} {'read':>4} {'true':>4}  precision  recall  (before)"]
    for row in rows:
        old = was.get(row["bank"])
        then = f"  ({old['precision']:.3f} {old['recall']:.3f})" if old else ""
        lines.append(f"  {row['bank']:<36} {row['language']:<4} {row['read']:>4} {row['expected']:>4}  "
                     f"{row['precision']:>9.3f}  {row['recall']:>6.3f}{then}" + (f"  {row['error']}" if row["error"] else ""))  # fmt: skip
    now = corpus.summary(rows)
    old = before.get("summary")
    lines.append(f"  macro precision {now['precision']:.3f}, recall {now['recall']:.3f}; {now['right']} of {now['banks']} banks "
                 f"read right (both ≥ {corpus.RIGHT}), {now['repositories']} repositories"
                 + (f"; before: {old['precision']:.3f}, {old['recall']:.3f}, {old['right']} right" if old else ""))  # fmt: skip
    lines.append("  worst five: " + ", ".join(now["worst"]))
    lines.append(f"  reading confidence below {corpus.READING_CONFIDENCE} (make all warns): {now['warned']} banks, "
                 f"{now['warned_wrong']} of them not read right; of the {now['wrong']} banks not read right, "
                 f"{now['warned_wrong']} warned")  # fmt: skip
    return lines


def main(args, context: dict) -> int:
    from pipeline.terminal import say

    say(
        f"layouts on the fixture banks of {args.fixtures} (questions by text and line; a bank in several layouts "
        "counts once per layout, on its parts' lines):"
    )
    say(f"  {'layout':<16} {'banks':>5} {'questions':>9}  precision  recall")
    rows = fixture_figures(args.fixtures)
    for row in rows:
        say(f"  {row['layout']:<16} {row['banks']:>5} {row['questions']:>9}  {row['precision']:>9.3f}  {row['recall']:>6.3f}")
    auto = rows[-1]
    say(f"  auto cut {auto['parts_right']} of {auto['banks']} banks into the parts their truth gives (layout and lines)")
    from pipeline.evaluation import corpus

    held = corpus.held_out(corpus.load(args.corpus))
    before = json.loads(args.figures.read_text(encoding="utf-8")) if args.figures.exists() else {}
    say(f"\nthe corpus of real banks ({args.corpus}), each read by a reader fitted without its repository's banks:")
    for line in corpus_lines(held, before):
        say(line)
    out = {"summary": corpus.summary(held), "banks": held}
    train = corpus.load(args.corpus)
    for name, folder, what in (
        ("validation", args.validation, "read after the corpus rules were written"),
        ("blind", args.blind, "collected after the validation banks' rules were written"),
        ("blind2", args.blind2, "collected after the blind banks' rules were written"),
    ):
        banks = corpus.load(folder) if folder.is_dir() else []
        if banks:  # read by a reader fitted on the whole corpus: none of these banks, nor their repositories, is in it
            checked = corpus.held_out(banks, lambda _: corpus.rule_reader(train))
            say(f"\nthe {name} banks ({folder}: {what}), each read as a new bank:")
            for line in corpus_lines(checked, before.get(name, {})):
                say(line)
            out[name] = {"summary": corpus.summary(checked), "banks": checked}
    args.figures.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    return 0
