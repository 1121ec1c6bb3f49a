"""`table`: one question per row of a GFM table; the question column is `question_column` (a header name or a
1-based number) or the column headed like "question", else the column whose cells look most like questions. Pure."""

from pipeline.errors import InputError
from pipeline.external.blocks import inline_text, walk_sections
from pipeline.external.clean import NUMBER_CELL, Item, looks_like_question, make_item, numbered


def _table_rows(tokens, start: int):
    """Yield (line, [cell inline tokens], is_header) for the table opening at `start`."""
    row, line, header = [], None, False
    for token in tokens[start + 1 :]:
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
    for i, name in enumerate(header):
        if "question" in name.lower() or name.lower() in ("q", "prompt"):
            return i
    scores = [sum(looks_like_question(row[i]) for row in body if i < len(row)) for i in range(len(header))]
    return max(range(len(header)), key=lambda i: (scores[i], -i))


def read(tokens, options: dict) -> tuple[list[Item], list[str]]:
    items = []
    for index, token, section in walk_sections(tokens):
        if token.type != "table_open":
            continue
        rows = list(_table_rows(tokens, index))
        header = [inline_text(cell)[0] for line, cells, is_header in rows if is_header for cell in cells]
        body = [(line, [inline_text(cell) for cell in cells]) for line, cells, is_header in rows if not is_header]
        if not header or not body:
            continue
        column = _question_column(header, [[c[0] for c in cells] for _, cells in body], options.get("question_column"))
        number_column = next(
            (i for i, h in enumerate(header) if h.strip().lower() in ("#", "no", "no.", "nr", "number", "id", "q#")), None
        )
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
            items.append(make_item(section, number if number is not None else text_number, body_text, line, cells[column][1]))
    return items, []
