"""Read the questions of a Markdown question bank. Pure: text in, rows out.

Two layouts cover the usual banks:

- `numbered`: each question is a numbered item at the start of a line, plain or bold (`1. Q`, `1. **Q**`,
  `**1.** Q`, `**1. Q**`); numbers may restart in every section; sections are the headings (the first
  level-1 heading is the document's title). Indented lines, answer markers, images, lists and code blocks
  between questions are answers and are never read as questions.
- `headings`: each question is a heading of a given level (`### What is …?`, numbered or not); the
  headings above that level are its sections; everything else is answer.
"""

import re

from pipeline.errors import InputError

LAYOUTS = ("numbered", "headings")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
FENCE = re.compile(r"^\s*(```|~~~)")
NUMBERED = re.compile(r"^(?:\*\*|__)?(\d+)[.)](?:\*\*|__)?\s+(\S.*)$")
LEADING_NUMBER = re.compile(r"^(\d+)[.)]\s+(.*)$")


def clean(text: str) -> str:
    """Return `text` without Markdown emphasis markers, white space folded."""
    text = re.sub(r"(\*\*|__)", "", text)
    text = re.sub(r"(?<!\w)[*_](\S(?:.*?\S)?)[*_](?!\w)", r"\1", text)
    return " ".join(text.split())


def parse_bank(text: str, layout: str, question_level: int | None = None) -> list[dict]:
    """Return one row per question: section, number (as printed, or None), text, source_line."""
    if layout not in LAYOUTS:
        raise InputError(f"unknown layout {layout!r}; known: {', '.join(LAYOUTS)}")
    if layout == "headings" and not question_level:
        raise InputError("the headings layout needs question_level (the heading level of a question)")
    rows, section, in_fence, seen_title = [], None, False, False
    for line_no, line in enumerate(text.removeprefix("\ufeff").split("\n"), start=1):
        line = line.rstrip("\r")
        if FENCE.match(line):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        heading = HEADING.match(line)
        if heading:
            level, title = len(heading.group(1)), clean(heading.group(2))
            if layout == "headings" and level == question_level:
                numbered = LEADING_NUMBER.match(title)
                number, body = (int(numbered.group(1)), numbered.group(2)) if numbered else (None, title)
                rows.append({"section": section, "number": number, "text": clean(body), "source_line": line_no})
            elif level == 1 and not seen_title:
                seen_title = True
            elif layout == "numbered" or level < question_level:
                section = title
            continue
        if layout == "numbered":
            numbered = NUMBERED.match(line)
            if numbered and clean(numbered.group(2)):
                rows.append({"section": section, "number": int(numbered.group(1)), "text": clean(numbered.group(2)), "source_line": line_no})
    return rows
