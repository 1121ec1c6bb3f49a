"""Parse the appendix text into table rows. Pure: text in, rows out; no file or library I/O.

The appendix was extracted from a PDF, where a question's tag is printed at the start of the
*next* line (`[conceptual] - next question …`) and the last question of a section has its tag
alone on the following line. A cleaned-up export prints the tag at the end of the question's
own line instead. Both layouts, and any mix of them, read to the same rows: a tag at the start
of a line always belongs to the question before it; a trailing `[tag]` is the question's own
tag only when the next line does not bring one.
"""

import re
import unicodedata
from dataclasses import dataclass, field

from pipeline.errors import InputError
from pipeline.keys import collapse_whitespace, stable_ids
from pipeline.limits import LINE_MAX_CHARS, QUESTION_MAX_CHARS

CHAPTER = re.compile(r"^Chapter\s+(\d+)\s*[—–-]\s*(.+)$")
SECTION = re.compile(r"^(\d+)\.(\d+)\s+(\S.*)$")
LEADING_TAG = re.compile(r"^\[([^\]]*)\]\s*(.*)$")
QUESTION = re.compile(r"^-(?:\s+(.*))?$")  # a bare `-` is an empty question: the checks flag it
TRAILING_TAG = re.compile(r"^(.*?\S)\s*\[([^\]\s]+)\]$")  # the rule trailing_tag keeps, in linear work


def trailing_tag(text: str) -> tuple[str, str] | None:
    """Return (the question, the tag) of a question written with its tag after it (`What is X? [design]`), as
    TRAILING_TAG.match reads it, or None. That pattern backtracks on a run of `[` (each shortest question tried
    reads the run again: quadratic); this reads the line once, from its end. Pure."""
    if not text.endswith("]"):
        return None
    end = len(text) - 1
    start = end
    while start > 0 and text[start - 1] != "]" and not text[start - 1].isspace():
        start -= 1  # text[start:end] may be the tag's run: no `]`, no space
    for opening in range(start, end - 1):  # the earliest `[` whose tag is not empty and has a question before it
        if text[opening] == "[":
            question = text[:opening].rstrip()
            if question:
                return question, text[opening + 1 : end]
    return None


TOTAL = re.compile(r"^Total:\s*(~?)\s*(\d+)\s+questions?\b", re.IGNORECASE)
STATED_TAG_COUNT = re.compile(r"^-\s*([A-Za-z][\w -]*?)\s*:\s*(~?)\s*(\d+)\s*(?:\((.*)\))?\s*$")
TAG_DECLARATION = re.compile(r"^Questions are tagged:\s*(.*)$", re.IGNORECASE)
BRACKETED = re.compile(r"\[([^\]]+)\]")
CHAPTER_RANGE = re.compile(r"\bChapters\s+(\d+)\s*[–-]\s*(\d+)")
ATTRIBUTION_LINE = re.compile(r"^([^:]{2,80}):\s+(\S.*)$")
AUTHOR_YEAR_WORK = re.compile(r"^(.+?)\s+(\d{4}(?:/\d{4})*)\s*\((.+)\)$")
COUNTED_BANK = re.compile(r"^(\d+)\s+(.+)$")
LINK = re.compile(r"(?:[\w-]+\.)+[a-z]{2,}(?:/[^\s),]*)?")
YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
TABLE_ROW = re.compile(r"^\|.*\|\s*$")
TABLE_SEPARATOR = re.compile(r"^\|[\s:|-]+\|\s*$")
CHAPTER_CLAIM = re.compile(r"^Ch\s*(\d+)\s*(?:\((.*)\))?$")
STATED_BANK_SIZE = re.compile(r"\b(\d+)\b[^|()]*?\bQs\b|\((\d+)\s+Qs?\)")
YEAR_IN_TITLE = re.compile(r"\((?:[^()]*\s)?((?:19|20)\d{2})\)\s*$")

REFERENCE_COLUMNS = {
    "paper": "title",
    "resource": "title",
    "paper / resource": "title",
    "title": "title",
    "authors": "authors",
    "year": "year",
    "relevant chapters": "relevant_chapters",
    "link": "link",
    "notes": "notes",
}


def split_lines(text: str) -> list[str]:
    """Return the lines of `text` as a file has them: `\\n` or `\\r\\n` ends a line, a BOM is dropped.

    A file with no `\\n` at all but `\\r`s ends its lines with CR alone (old Mac files): `\\r` ends a line there.
    """
    text = text.removeprefix("\ufeff")
    if "\n" not in text and "\r" in text:
        text = text.replace("\r", "\n")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line.removesuffix("\r") for line in lines]


def split_top_level(text: str, separator: str) -> list[str]:
    """Return the parts of `text` between `separator`s that stand outside parentheses and quotes."""
    parts, depth, current = [], 0, []
    for char in text:
        if char in "(“":
            depth += 1
        elif char in ")”" and depth:
            depth -= 1
        if char == separator and depth == 0:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    parts.append("".join(current).strip())
    return [part for part in parts if part]


@dataclass
class _Pending:
    """A question whose tag may still come on the next line."""

    row: dict
    trailing_tag: str | None
    trailing_text: str | None


@dataclass
class ParseState:
    """Everything read so far; the parse functions below add to it."""

    chapters: list = field(default_factory=list)
    sections: list = field(default_factory=list)
    questions: list = field(default_factory=list)
    declared_tags: list = field(default_factory=list)  # (tag, line)
    stated_tags: list = field(default_factory=list)  # (tag, count, approx, note, line)
    stated_totals: list = field(default_factory=list)
    refs: list = field(default_factory=list)
    ref_chapters: list = field(default_factory=list)
    attributions: list = field(default_factory=list)
    parse_issues: list = field(default_factory=list)
    chapter_id: int | None = None
    section: dict | None = None
    pending: _Pending | None = None
    ref_category: str | None = None
    ref_category_line: int | None = None
    ref_header: list | None = None
    sections_in_chapter: dict = field(default_factory=dict)  # running counts: positions in O(1), not by rescanning
    questions_in_section: dict = field(default_factory=dict)
    attributions_on_line: dict = field(default_factory=dict)

    def issue(self, line_no: int, text: str, reason: str) -> None:
        self.parse_issues.append({"source_line": line_no, "text": text, "reason": reason})


def parse_appendix(text: str) -> dict[str, list[dict]]:
    """Return the appendix's tables as lists of row dicts, keyed by table name (see pipeline.schema)."""
    lines = split_lines(text)
    if not any(line.strip() for line in lines):
        raise InputError("the appendix is empty")
    state = ParseState()
    mode = "preamble"
    for line_no, raw_line in enumerate(lines, start=1):
        if len(raw_line) > LINE_MAX_CHARS:
            raise InputError(
                f"the line is {len(raw_line):,} characters, over the limit of {LINE_MAX_CHARS:,} (docs/reliability.md)",
                line=line_no,
            )
        line = raw_line.strip()
        control = next((c for c in raw_line if unicodedata.category(c) == "Cc" and c != "\t"), None)
        if control is not None:
            state.issue(
                line_no, raw_line, f"control character U+{ord(control):04X} in the line (column {raw_line.index(control) + 1})"
            )
        if not line:
            continue
        if mode in ("preamble", "questions") and CHAPTER.match(line):
            mode = "questions"
        elif mode == "questions" and TOTAL.match(line):
            _finish_pending(state)
            mode = "totals"
        elif mode in ("questions", "totals") and line == "References":
            _finish_pending(state)
            mode = "references"
            continue
        elif mode == "references" and (
            line == "References"
            or CHAPTER.match(line)
            or SECTION.match(line)
            or TOTAL.match(line)
            or QUESTION.match(line)
            or LEADING_TAG.match(line)
        ):
            state.issue(
                line_no,
                line,
                "the appendix goes on after its reference tables (an appended chapter, a second copy?): "
                "this line is not a reference table heading or row",
            )
            continue
        if mode == "preamble":
            _parse_preamble_line(state, line_no, line)
        elif mode == "questions":
            _parse_question_line(state, line_no, line)
        elif mode == "totals":
            _parse_totals_line(state, line_no, line)
        else:
            _parse_reference_line(state, line_no, line)
    _finish_pending(state)
    _finish_reference_table(state)
    if not state.chapters:
        raise InputError("no chapter heading (`Chapter N — Title`) found: is this the appendix?")
    return _tables(state)


# --- preamble -----------------------------------------------------------------------------


def _parse_preamble_line(state: ParseState, line_no: int, line: str) -> None:
    if line_no == 1 and line.lower().startswith("appendix"):
        return  # the document title
    if line == "Sources & Attribution" or line.endswith(":"):
        return  # a heading or the sentence that introduces the list below it
    declaration = TAG_DECLARATION.match(line)
    if declaration:
        tags = BRACKETED.findall(declaration.group(1))
        if not tags:
            state.issue(line_no, line, "tag declaration names no [tag]")
        state.declared_tags.extend((tag.strip(), line_no) for tag in tags)
        return
    chapter_range = CHAPTER_RANGE.search(line)
    if chapter_range:
        first, last = int(chapter_range.group(1)), int(chapter_range.group(2))
        state.stated_totals.append(
            {"figure": "chapters", "value": last - first + 1, "is_approximate": False, "text": line, "source_line": line_no}
        )
    attribution = ATTRIBUTION_LINE.match(line)
    if not attribution:
        state.issue(line_no, line, "preamble line is neither a heading nor `Category: sources`")
        return
    category, body = attribution.group(1).strip(), attribution.group(2).strip().rstrip(".")
    separator = ";" if split_top_level(body, ";") != [body] else ","
    for item in split_top_level(body, separator):
        for row in parse_attribution_item(item):
            row.update(category=category, source_line=line_no)
            row["attribution_id"] = f"a{line_no}.{_next_position(state.attributions_on_line, line_no)}"
            state.attributions.append(row)


def parse_attribution_item(item: str) -> list[dict]:
    """Return the attribution rows one listed item names (a question-bank item may name several banks)."""
    empty = {"source": item, "year": None, "work": None, "question_count": None, "link": None}
    author_year = AUTHOR_YEAR_WORK.match(item)
    if author_year and not LINK.fullmatch(author_year.group(3)):
        return [{**empty, "source": author_year.group(1), "year": author_year.group(2), "work": author_year.group(3)}]
    if "(" in item and item.endswith(")"):
        source, inner = item.split("(", 1)
        inner = inner[:-1]
        link = None
        if " — " in inner:
            inner, link = (part.strip() for part in inner.rsplit(" — ", 1))
        banks = [COUNTED_BANK.match(part) for part in split_top_level(inner, ",")]
        if banks and all(banks):
            return [
                {**empty, "source": source.strip(), "work": bank.group(2), "question_count": int(bank.group(1)), "link": link}
                for bank in banks
            ]
    source, _, rest = item.partition(" — ")
    quoted = re.search(r"“([^”]+)”", rest)
    work = quoted.group(1) if quoted else (rest.split(" (")[0].strip() or None)
    if not rest:
        source, _, paren = item.partition(" (")
        work = None
        rest = "(" + paren if paren else ""
    links = LINK.findall(rest)
    years = YEAR.findall(rest)
    return [
        {
            **empty,
            "source": source.strip(),
            "work": work,
            "year": years[0] if years else None,
            "link": links[-1] if links else None,
        }
    ]


# --- questions ----------------------------------------------------------------------------


def _parse_question_line(state: ParseState, line_no: int, line: str) -> None:
    chapter = CHAPTER.match(line)
    if chapter:
        _finish_pending(state)
        state.chapter_id = int(chapter.group(1))
        state.section = None
        state.chapters.append({"chapter_id": state.chapter_id, "title": chapter.group(2).strip(), "source_line": line_no})
        return
    section = SECTION.match(line)
    if section:
        _finish_pending(state)
        position = state.sections_in_chapter[state.chapter_id] = state.sections_in_chapter.get(state.chapter_id, 0) + 1
        state.section = {
            "section_id": f"{int(section.group(1))}.{int(section.group(2))}",
            "chapter_id": int(section.group(1)),
            "parent_chapter_id": state.chapter_id,
            "section_number": int(section.group(2)),
            "title": section.group(3).strip(),
            "position": position,
            "source_line": line_no,
        }
        state.sections.append(state.section)
        return
    rest = line
    leading = LEADING_TAG.match(line)
    if leading:
        tag, rest = leading.group(1), leading.group(2)
        if state.pending is None:
            state.issue(line_no, line, f"tag [{tag}] follows no untagged question")
        else:
            state.pending.row.update(tag=tag, tag_line=line_no)
            state.pending = None
        if not rest:
            return
    question = QUESTION.match(rest)
    if not question:
        state.issue(line_no, line, "line in the question body is not `- question`, `[tag]` or a heading")
        return
    _finish_pending(state)
    if state.section is None:
        state.issue(line_no, line, "question before any section heading")
        return
    text = collapse_whitespace(question.group(1) or "")
    if len(text) > QUESTION_MAX_CHARS:
        raise InputError(
            f"the question is {len(text):,} characters, over the limit of {QUESTION_MAX_CHARS:,} (docs/reliability.md)",
            line=line_no,
        )
    trailing = trailing_tag(text)
    row = {
        "chapter_id": state.chapter_id,
        "section_id": state.section["section_id"],
        "position": _next_position(state.questions_in_section, state.section["section_id"]),
        "text": text,
        "tag": None,
        "tag_line": None,
        "source_line": line_no,
    }
    state.questions.append(row)
    state.pending = _Pending(row, trailing[1] if trailing else None, trailing[0] if trailing else None)


def _next_position(counts: dict, key) -> int:
    counts[key] = counts.get(key, 0) + 1
    return counts[key]


def _finish_pending(state: ParseState) -> None:
    """Close the open question: no tag came on the next line, so its own trailing tag (if any) is its tag."""
    pending = state.pending
    if pending is not None and pending.trailing_tag is not None:
        pending.row.update(tag=pending.trailing_tag, tag_line=pending.row["source_line"], text=pending.trailing_text)
    state.pending = None


# --- stated totals ------------------------------------------------------------------------


def _parse_totals_line(state: ParseState, line_no: int, line: str) -> None:
    total = TOTAL.match(line)
    if total:
        state.stated_totals.append(
            {
                "figure": "questions",
                "value": int(total.group(2)),
                "is_approximate": bool(total.group(1)),
                "text": line,
                "source_line": line_no,
            }
        )
        return
    stated = STATED_TAG_COUNT.match(line)
    if not stated:
        state.issue(line_no, line, "line after `Total:` is not `- Tag: ~N (note)`")
        return
    name, approx, count, note = stated.groups()
    state.stated_tags.append((name.strip().lower(), int(count), bool(approx), note.strip() if note else None, line_no))


# --- reference tables ---------------------------------------------------------------------


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def _finish_reference_table(state: ParseState) -> None:
    """Report a reference table heading that no table followed."""
    if state.ref_category is not None and state.ref_header is None:
        state.issue(state.ref_category_line, state.ref_category, "reference table heading with no table under it")


def _parse_reference_line(state: ParseState, line_no: int, line: str) -> None:
    if not TABLE_ROW.match(line):
        if "|" in line:
            state.issue(line_no, line, "holds table cells but is not one table row (a row glued to the next line?)")
            return
        _finish_reference_table(state)
        state.ref_category, state.ref_category_line, state.ref_header = line, line_no, None
        return
    if state.ref_category is None:
        state.issue(line_no, line, "table row before any reference table heading")
        return
    if state.ref_header is None:
        header = [REFERENCE_COLUMNS.get(cell.lower()) for cell in _cells(line)]
        if None in header or "title" not in header:
            state.issue(line_no, line, "unknown reference table header (known: " + ", ".join(sorted(REFERENCE_COLUMNS)) + ")")
            state.ref_header = []
        else:
            state.ref_header = header
        return
    if TABLE_SEPARATOR.match(line):
        return
    if not state.ref_header:
        state.issue(line_no, line, "row of a reference table whose header was not understood")
        return
    cells = _cells(line)
    if len(cells) != len(state.ref_header):
        state.issue(line_no, line, f"reference row has {len(cells)} cells, its header {len(state.ref_header)}")
        return
    row = {column: None for column in ("authors", "year", "link", "notes", "relevant_chapters")}
    row.update({column: (cell or None) for column, cell in zip(state.ref_header, cells)})
    row.update(category=state.ref_category, source_line=line_no)
    row["year"] = _reference_year(row["year"], row["title"])
    row["question_count"] = _stated_bank_size(row["title"])
    state.refs.append(row)


def _reference_year(cell: str | None, title: str) -> int | None:
    if cell and cell.isdigit():
        return int(cell)
    in_title = YEAR_IN_TITLE.search(title)
    return int(in_title.group(1)) if in_title else None


def _stated_bank_size(title: str) -> int | None:
    stated = STATED_BANK_SIZE.search(title)
    return int(stated.group(1) or stated.group(2)) if stated else None


def parse_chapter_claims(cell: str) -> list[tuple[int, str | None]] | None:
    """Return (chapter, topic) for each `Ch N (topic)` in a Relevant Chapters cell; None if any part is unreadable."""
    claims = []
    for part in split_top_level(cell, ","):
        claim = CHAPTER_CLAIM.match(part)
        if not claim:
            return None
        claims.append((int(claim.group(1)), claim.group(2).strip() if claim.group(2) else None))
    return claims


# --- assembling the tables ----------------------------------------------------------------


def _tables(state: ParseState) -> dict[str, list[dict]]:
    question_ids = stable_ids("q", [q["text"] for q in state.questions])
    questions = [
        {"question_id": qid, "label": f"{q['section_id']}.{q['position']}", **q} for qid, q in zip(question_ids, state.questions)
    ]
    ref_ids = stable_ids("r", [r["title"] for r in state.refs])
    refs = [{"ref_id": rid, **r} for rid, r in zip(ref_ids, state.refs)]
    ref_chapters = []
    for ref in refs:
        if ref["relevant_chapters"] is None:
            continue
        claims = parse_chapter_claims(ref["relevant_chapters"])
        if claims is None:
            state.issue(ref["source_line"], ref["relevant_chapters"], "Relevant Chapters is not a list of `Ch N (topic)`")
            continue
        ref_chapters += [
            {"ref_id": ref["ref_id"], "chapter_id": chapter, "topic": topic, "source_line": ref["source_line"]}
            for chapter, topic in claims
        ]
    return {
        "chapters": state.chapters,
        "sections": state.sections,
        "questions": questions,
        "tags": _tag_rows(state),
        "stated_totals": state.stated_totals,
        "refs": refs,
        "ref_chapters": ref_chapters,
        "attributions": state.attributions,
        "parse_issues": sorted(state.parse_issues, key=lambda issue: issue["source_line"]),
    }


def _tag_rows(state: ParseState) -> list[dict]:
    rows: dict[str, dict] = {}
    for position, (tag, line_no) in enumerate(state.declared_tags, start=1):
        rows.setdefault(
            tag.lower(),
            {
                "tag": tag.lower(),
                "is_declared": True,
                "declared_position": position,
                "declared_line": line_no,
                "stated_count": None,
                "is_approximate": None,
                "note": None,
                "stated_line": None,
            },
        )
    for tag, count, approx, note, line_no in state.stated_tags:
        row = rows.setdefault(tag, {"tag": tag, "is_declared": False, "declared_position": None, "declared_line": None})
        row.update(stated_count=count, is_approximate=approx, note=note, stated_line=line_no)
    return list(rows.values())
