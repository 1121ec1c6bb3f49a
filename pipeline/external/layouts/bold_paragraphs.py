"""`bold-paragraphs`: paragraphs whose first line is one bold span (a difficulty emoji after it is dropped), or a bold
label and the question (`**Q:** What is X?`, `**Question 3:** Why …?`), outside lists, in a block quote too; and a
question a block quote quotes whole, as an interviewer says it (`> "Walk me through …"`). The answer may follow on
the next lines. Pure."""

from pipeline.external.blocks import inline_text, line_spans, walk_sections
from pipeline.external.clean import (
    CJK_QUESTION,
    QUOTED_WHOLE,
    Item,
    clean,
    is_label,
    looks_like_question,
    make_item,
    numbered,
    split_difficulty,
)


def read(tokens, options: dict) -> tuple[list[Item], list[str]]:
    items, quoted = [], 0  # quoted: how many block quotes are open (`> **What is X?**` / `> It is.`)
    for index, token, section in walk_sections(tokens, options.get("sections")):
        quoted += (token.type == "blockquote_open") - (token.type == "blockquote_close")
        if token.type == "inline" and token.level == 1 + quoted and tokens[index - 1].type == "paragraph_open":
            first = line_spans(token)[0]  # the answer may follow on the paragraph's next lines
            bold, links, starts_bold = inline_text(first, bold_only=True, raw=True)
            whole, difficulty = split_difficulty(inline_text(first, raw=True)[0])
            if starts_bold and bold and is_label(bold):  # `**Q:** What is X?`: the label, then the question
                bold = whole
            if quoted and not starts_bold and QUOTED_WHOLE.match(clean(whole)) and looks_like_question(clean(whole)):
                items.append(make_item(section, None, whole, token.map[0] + 1, links))  # `> "Walk me through …"`
            elif (
                starts_bold and bold and clean(whole) == clean(bold)
            ):  # the first line is one bold span (and a difficulty or symbol)
                number, body = numbered(bold)
                item = make_item(section, number, body, token.map[0] + 1, links)
                if item.text.endswith(":") and "?" not in item.text and not CJK_QUESTION.search(item.text):
                    continue  # a bold label that opens what follows (`**Why it's useful:**`); `**请简述…：**` asks
                items.append(
                    Item(item.section, item.number, item.text, item.source_line, item.links, item.difficulty or difficulty)
                )
    return items, []
