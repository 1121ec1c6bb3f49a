"""The external stage: read every registered bank into `external_banks` and `external_questions` (and `--preview` a file)."""

from pathlib import Path

from pipeline import io, limits
from pipeline.errors import InputError
from pipeline.escaping import visible
from pipeline.external import tables
from pipeline.external.markdown import CONFIDENCE_LEVEL, Reading, read_bank, title_count
from pipeline.external.registry import bank_file, parse_registry, skipped
from pipeline.schema import table
from pipeline.terminal import say


def _banks(registry_path: Path) -> list[dict]:
    try:
        return parse_registry(io.read_text(registry_path, limits.CSV_MAX_BYTES, "an editors' CSV file"))
    except InputError as error:
        raise error.located(str(registry_path)) from None


def read_one(registry_path: Path, bank: dict, max_bank_bytes: int) -> tuple[Reading, int | None]:
    """Return what the bank's file holds (its `Reading`) and the count its title states; InputError naming the
    registry row (and the bank's line, where there is one)."""
    path = bank_file(registry_path, bank, max_bank_bytes)
    try:
        text = skipped(io.read_text(path, max_bank_bytes, "a bank"), bank.get("skip_lines", ()))
        reading = read_bank(text, bank["layout"], bank["question_level"], bank.get("question_column"))
    except InputError as error:
        where = f"{path}:{error.line}" if error.line else str(path)
        raise InputError(
            f"bank {bank['bank_id']!r} ({where}): {error.message}", str(registry_path), bank["registry_line"]
        ) from None
    if not reading.rows:
        raise InputError(
            f"bank {bank['bank_id']!r}: no question found in {bank['file']} ({reading.why}): check the registry's layout "
            f"(`python -m pipeline external-preview {path}` shows what each layout reads)",
            str(registry_path),
            bank["registry_line"],
        )
    return reading, title_count(text)


def doubt_warning(registry_path: Path, bank: dict, reading: Reading) -> str:
    """Return the warning for a bank read with a confidence below CONFIDENCE_LEVEL: the bank, the figure, the lines."""
    lines = ", ".join(map(str, reading.doubts))
    return (
        f"warning: {registry_path}:{bank['registry_line']}: bank {bank['bank_id']!r} read as {reading.layout} with "
        f"confidence {reading.confidence:.2f} (below {CONFIDENCE_LEVEL}): lines in doubt in {bank['file']}: {lines} "
        f"(`make external-preview BANK={bank['bank_id']}` shows what is read; the registry can name the layout)"
    )


def run(warehouse: Path, registry_path: Path, max_bank_bytes: int = limits.BANK_MAX_BYTES) -> dict[str, list[dict]]:
    """Return `external_banks`, `external_questions` and `external_layout_parts` after reading every registered bank
    (fast: no matching).

    A bank that cannot be read is recorded with its error (the check `external-bank-read` fails on it) and
    reported on stderr with its registry row; the other banks are still read.
    """
    import sys

    banks = _banks(registry_path)
    attributions = io.read_rows(table("attributions"), warehouse)
    out = {"external_banks": [], "external_questions": [], "external_layout_parts": []}
    for bank in banks:
        try:
            reading, stated_in_title = read_one(registry_path, bank, max_bank_bytes)
        except InputError as error:
            print(visible(f"warning: {error} (this bank is not read, the others are; make check fails on it)"), file=sys.stderr)
            out["external_banks"].append(tables.bank_row(bank, [], attributions, error=error.message))
            continue
        external = tables.question_rows(bank["bank_id"], reading.rows)
        if reading.confidence < CONFIDENCE_LEVEL:
            print(visible(doubt_warning(registry_path, bank, reading)), file=sys.stderr)
        out["external_banks"].append(
            tables.bank_row(
                bank, external, attributions, reading.layout, reading.why, reading.warnings, title_count=stated_in_title,
                confidence=reading.confidence, doubts=reading.doubts,
            )
        )  # fmt: skip
        out["external_questions"] += external
        out["external_layout_parts"] += tables.part_rows(bank["bank_id"], reading.parts)
    with io.staged_outputs(warehouse) as scratch:
        for name in out:
            io.write_table(out[name], table(name), scratch)
    return out


def summary(out: dict[str, list[dict]]) -> str:
    """Return the one-line terminal summary of reading the external banks."""
    parts = []
    for bank in out["external_banks"]:
        stated = f", appendix states {bank['stated_count']}" if bank["stated_count"] is not None else ""
        parts.append(f"{bank['bank_id']}: {bank['questions']} questions{stated}")
    return "external: " + "; ".join(parts)


def preview(
    path: Path,
    layout: str = "auto",
    question_level: int | None = None,
    question_column=None,
    skip: tuple[tuple[int, int], ...] = (),
) -> str:
    """Return what is read from a bank file, line by line (each question with its line and the layout that read it),
    how sure the reading is and the lines in doubt; then what each layout reads (count, first and last three,
    warnings) and why auto chose what it chose. Nothing is written."""
    from pipeline.external.auto import choose
    from pipeline.external.clean import described
    from pipeline.external.layouts import LAYOUTS, PART_SEPARATOR, SUPPLEMENTS
    from pipeline.external.markdown import checked_lines, read_layouts

    try:
        text = checked_lines(skipped(io.read_text(path, limits.BANK_MAX_BYTES, "a bank"), skip))
        reading = read_bank(text, layout, question_level, question_column)
    except InputError as error:
        raise error.located(str(path)) from None
    part_of = lambda line: next((p.layout for p in reading.parts if p.first_line <= line <= p.last_line), reading.layout)  # noqa: E731
    lines = [f"{path}: read as {reading.layout}, {len(reading.rows)} questions, confidence {reading.confidence:.2f}"]
    lines += [f"  line {r['source_line']:>5}  {part_of(r['source_line']):<15} {r['text'][:110]}" for r in reading.rows]
    if reading.doubts:
        lines.append(f"  lines in doubt: {', '.join(map(str, reading.doubts))}")
    lines.append("what each layout reads:")
    read, starts, _ = read_layouts(text, {"question_level": question_level, "question_column": question_column})
    for name in SUPPLEMENTS:  # read beside every layout, never chosen: the reading above holds them
        read.pop(name, None)
    for name in LAYOUTS if layout == "auto" else layout.split(PART_SEPARATOR):
        items, warnings = read[name]
        lines.append(f"  {name}: {described(items)}")
        shown = items if len(items) <= 6 else items[:3] + [None] + items[-3:]
        lines += [
            "      …"
            if item is None
            else f"    line {item.source_line}: " + (f"{item.number}. " if item.number is not None else "") + item.text[:100]
            for item in shown
        ]
        lines += [f"    warning: {w}" for w in warnings]
    if layout == "auto":
        lines.append("  " + choose(read, starts)[2])
    return "\n".join(lines)


def add_arguments(parser) -> None:
    """`python -m pipeline external-preview FILE` or `--bank ID`: what is read, before a build."""
    from pipeline import paths

    parser.add_argument("file", type=Path, nargs="?", metavar="FILE", help="a Markdown question bank (or --bank)")
    parser.add_argument("--bank", help="a registered bank: its file, layout and options as the registry gives them")
    parser.add_argument("--registry", type=Path, default=paths.EXTERNAL_BANKS, help="the banks' registry (with --bank)")
    parser.add_argument("--layout", default="auto", help="one layout only (default: every layout, and auto's choice)")
    parser.add_argument("--question-level", type=int, help="the heading level of a question (headings layout)")
    parser.add_argument("--question-column", help="the table column holding the question (name or 1-based number)")


def main(args, context: dict) -> int:
    if args.bank:
        bank = next((b for b in _banks(args.registry) if b["bank_id"] == args.bank), None)
        if bank is None:
            raise InputError(f"no bank {args.bank!r} in the registry", str(args.registry))
        path = bank_file(args.registry, bank)
        say(preview(path, bank["layout"], bank["question_level"], bank["question_column"], bank["skip_lines"]))
    elif args.file:
        say(preview(args.file, args.layout, args.question_level, args.question_column))
    else:
        raise InputError("name a bank file, or a registered bank with --bank ID", "external-preview")
    return 0
