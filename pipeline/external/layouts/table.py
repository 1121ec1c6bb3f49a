"""`table`: one question per row of a GFM table, read from one column only: `question_column` (a header name or a
1-based number), or the column headed "question" (or "title", "problem", "题目", …), else the column whose cells look
most like questions. A table whose column is not so named and under half of whose cells look like questions (companies,
links, counts) is skipped with a warning. A "difficulty" column gives each row's difficulty. Pure."""

from pipeline.errors import InputError
from pipeline.external.blocks import inline_text, walk_sections
from pipeline.external.clean import DIFFICULTY_WORDS, NUMBER_CELL, Item, looks_like_question, make_item, numbered, question_share

# Headers that name the question column (any language a bank here is written in).
QUESTION_HEADERS = frozenset(
    {
        "question",
        "questions",
        "question title",
        "interview question",
        "title",
        "problem",
        "prompt",
        "q",
        "题目",
        "问题",
        "面试题",
        "pregunta",
        "frage",
    }
)
DIFFICULTIES = frozenset(DIFFICULTY_WORDS.split("|"))


def _table_rows(tokens, start: int):
    """Yield (line, [cell inline tokens], is_header) for the table opening at `start`. Walked by index: a slice would
    copy the rest of the file for every table."""
    row, line, header = [], None, False
    for position in range(start + 1, len(tokens)):
        token = tokens[position]
        if token.type == "table_close":
            return
        if token.type == "tr_open":
            row, line = [], token.map[0] + 1
        elif token.type == "thead_open":
            header = True
        elif token.type == "tbody_open":
            header = False
        elif token.type == "inline":
            row.append(token)
        elif token.type == "tr_close":
            yield line, row, header


def _question_column(header: list[str], body: list[list[str]], wanted) -> int:
    if wanted:
        if str(wanted).isdigit():
            return int(wanted) - 1
        names = [h.lower() for h in header]
        if str(wanted).lower() in names:
            return names.index(str(wanted).lower())
        raise InputError(f"no column {wanted!r} in the table (columns: {', '.join(header)})")
    named = _column(header, QUESTION_HEADERS)
    if named is not None:
        return named
    scores = [sum(looks_like_question(row[i]) for row in body if i < len(row)) for i in range(len(header))]
    return max(range(len(header)), key=lambda i: (scores[i], -i))


def _column(header: list[str], names) -> int | None:
    """Return the first column whose header (lower case, white space folded) is one of `names`, or None."""
    return next((i for i, h in enumerate(header) if " ".join(h.lower().split()) in names), None)


def is_question_table(header: list[str], column: int, cells: list[str], wanted) -> bool:
    """Return whether a table holds questions: its question column is named (by the registry or its header) or at
    least half its cells look like questions. A table of companies, links or counts is no question table."""
    named = bool(wanted) or _column(header[column : column + 1], QUESTION_HEADERS) is not None
    return named or question_share(cells) >= 0.5


def _difficulty(cells: list, column: int | None) -> str | None:
    """Return a row's difficulty from its difficulty column (`Easy`, `Medium`, `Hard`), or None."""
    if column is None or column >= len(cells):
        return None
    word = cells[column][0].strip().lower()
    return word if word in DIFFICULTIES else None


def read(tokens, options: dict) -> tuple[list[Item], list[str]]:
    items, warnings = [], []
    for index, token, section in walk_sections(tokens, options.get("sections")):
        if token.type != "table_open":
            continue
        rows = list(_table_rows(tokens, index))
        header = [inline_text(cell)[0] for line, cells, is_header in rows if is_header for cell in cells]
        body = [(line, [inline_text(cell) for cell in cells]) for line, cells, is_header in rows if not is_header]
        if not header or not body:
            continue
        column = _question_column(header, [[c[0] for c in cells] for _, cells in body], options.get("question_column"))
        if not is_question_table(
            header, column, [cells[column][0] for _, cells in body if column < len(cells)], options.get("question_column")
        ):
            warnings.append(f"line {token.map[0] + 1}: a table that holds no questions ({', '.join(header)}), skipped")
            continue
        number_column = _column(header, ("#", "no", "no.", "nr", "number", "id", "q#"))
        difficulty_column = _column(header, ("difficulty", "level"))
        for line, cells in body:
            if column >= len(cells) or not cells[column][0]:
                continue
            number = None
            if number_column is not None and number_column < len(cells):
                match = NUMBER_CELL.match(cells[number_column][0])
                number = int(match.group(1)) if match else None
            elif cells and column > 0:
                match = NUMBER_CELL.match(cells[0][0])
                number = int(match.group(1)) if match else None
            text_number, body_text = numbered(cells[column][0])
            item = make_item(section, number if number is not None else text_number, body_text, line, cells[column][1])
            item.difficulty = item.difficulty or _difficulty(cells, difficulty_column)
            items.append(item)
    return items, warnings
