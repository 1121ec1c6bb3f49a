"""Link questions to references through the editors' alias file. Pure: text in, rows out.

`raw/ref_aliases.csv` names, for each reference (by its exact title), the terms by which a question points
to it. Matching respects word boundaries and takes the longest term first, so `QLoRA` is not a mention of
LoRA, `GPTQ` is not one of GPT, and `FlashAttention-2` is not one of FlashAttention. A term with a capital
letter matches case-sensitively (`ReAct` is not the verb "react"); an all-lower-case term matches any case.
"""

import re

from pipeline.csvrows import csv_records
from pipeline.errors import InputError
from pipeline.schema import editors_file

ALIAS_COLUMNS = editors_file("ref_aliases").columns
GENERIC_COLUMNS = editors_file("generic_terms").columns


def parse_aliases(text: str, refs: list[dict]) -> list[dict]:
    """Return one row per alias; InputError with the line for an empty or repeated term.

    An alias whose title is not in the reference tables (the row was edited or removed, or this is another
    copy of the appendix) is kept with `is_stale` and no ref_id, and links nothing.
    """
    ref_ids = {ref["title"]: ref["ref_id"] for ref in refs}
    rows, seen = [], {}
    for line_no, row in csv_records(text, ALIAS_COLUMNS):
        if not row["ref_title"]:
            raise InputError("ref_title is empty", line=line_no)
        if not row["term"]:
            raise InputError("term is empty", line=line_no)
        if row["term"] in seen:
            raise InputError(f"term {row['term']!r} already names a reference on line {seen[row['term']]}", line=line_no)
        seen[row["term"]] = line_no
        ref_id = ref_ids.get(row["ref_title"])
        rows.append(
            {
                "ref_id": ref_id,
                "ref_title": row["ref_title"],
                "term": row["term"],
                "is_stale": ref_id is None,
                "source_line": line_no,
            }
        )
    return rows


def parse_generic_terms(text: str) -> list[dict]:
    """Return the terms editors marked as generic (not a technique, model or benchmark), with their reason."""
    return [
        {"term": row["term"], "why": row["why"] or None, "source_line": line} for line, row in csv_records(text, GENERIC_COLUMNS)
    ]


def parse_verdict_history(text: str) -> list[dict]:
    """Return the workbench's verdict history (raw/verdict_history.csv) as rows, in the file's order."""
    declared = editors_file("verdict_history")
    columns = declared.columns + declared.optional
    return [
        {**{c: row.get(c) or (None if c in NULLABLE_HISTORY else "") for c in columns}, "source_line": line}
        for line, row in csv_records(text, declared.columns, optional=declared.optional)
    ]


NULLABLE_HISTORY = ("labels", "verdict", "previous_reviewer", "previous_verdict", *editors_file("verdict_history").optional)


def term_pattern(term: str) -> re.Pattern:
    """Return the pattern that finds `term` as a whole word (case-sensitive if it has a capital).

    A following version number makes another work: `LLaMA` does not match `LLaMA-3-8B` or `LLaMA 2`.
    """
    flags = 0 if any(c.isupper() for c in term) else re.IGNORECASE
    return re.compile(r"(?<![\w])" + re.escape(term) + r"(?![\w]|[- ]\d)", flags)


def alias_pattern(aliases: list[dict]) -> re.Pattern | None:
    """Return one pattern that finds every alias: longest first, each with its own case rule and boundaries.

    At each position the regex engine takes the first alternative that matches, so a longer term wins over a
    shorter one inside it, and matches never overlap: the masking the rule asks for, in one pass.
    """
    if not aliases:
        return None
    ordered = sorted({a["term"] for a in aliases}, key=lambda t: (-len(t), t))
    parts = [
        ("" if any(c.isupper() for c in t) else "(?i:") + re.escape(t) + ("" if any(c.isupper() for c in t) else ")")
        for t in ordered
    ]
    return re.compile(r"(?<![\w])(?:" + "|".join(parts) + r")(?![\w]|[- ]\d)")


def link_questions(questions: list[dict], aliases: list[dict]) -> list[dict]:
    """Return one row per (question, reference) a question names, with the first term that matched.

    Terms are tried longest first; a matched span is not matched again by a shorter term inside it.
    """
    live = [a for a in aliases if not a["is_stale"]]
    pattern = alias_pattern(live)
    if pattern is None:
        return []
    exact = {a["term"]: a["ref_id"] for a in live}
    folded = {a["term"].lower(): a["ref_id"] for a in live if not any(c.isupper() for c in a["term"])}
    rows = []
    for question in questions:
        found: dict[str, str] = {}
        for match in pattern.finditer(question["text"]):
            term = match.group()
            ref_id = exact.get(term) or folded.get(term.lower())
            matched = term if term in exact else next(a["term"] for a in live if a["term"].lower() == term.lower())
            found.setdefault(ref_id, matched)
        rows += [
            {"question_id": question["question_id"], "ref_id": ref_id, "matched_term": term} for ref_id, term in found.items()
        ]
    return rows
