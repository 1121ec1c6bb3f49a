"""The bank reader's rules that no test asked for until mutation testing found them (make mutate, docs/development.md):
each a table of small banks and what they must read."""

import pytest

from pipeline.errors import InputError
from pipeline.external.clean import Item
from pipeline.external.markdown import parse_bank, read_bank, read_layouts, title_count


def rows(bank: str, layout: str = "auto", **options) -> list[tuple]:
    return [(r["source_line"], r["section"], r["text"]) for r in read_bank(bank, layout, **options).rows]


def texts(bank: str, layout: str = "auto") -> list[str]:
    return [r["text"] for r in read_bank(bank, layout).rows]


# --- clean.py: the text rules


@pytest.mark.parametrize(
    "written, text, level",
    [("🟢 What is a token?", "What is a token?", "easy"), ("What is a token? 🔴", "What is a token?", "hard")],
)
def test_a_difficulty_emoji_before_or_after_the_question_is_its_difficulty(written, text, level):
    from pipeline.external.clean import make_item

    item = make_item(None, None, written, 1, [])
    assert (item.text, item.difficulty) == (text, level)


@pytest.mark.parametrize(
    "read, said",
    [
        ([], "no items"),
        (["Why?"], "1 item, 1 looks like a question (100%)"),
        (["Why?", "A point."], "2 items, 1 looks like a question (50%)"),
        (["Why?", "How?", "A point."], "3 items, 2 look like questions (67%)"),
    ],
)
def test_what_a_layout_read_is_said_in_words(read, said):
    from pipeline.external.clean import described

    assert described([Item(None, None, text, n) for n, text in enumerate(read)]) == said


@pytest.mark.parametrize("read, share", [([], 0.0), (["Why?"], 1.0), (["Why?", "A point."], 0.5)])
def test_the_question_share_of_nothing_read_is_zero(read, share):
    from pipeline.external.clean import question_share

    assert question_share(read) == share


# --- blocks.py: inline text, links, lines


@pytest.mark.parametrize(
    "bank, text, links",
    [
        (  # Markdown and HTML links to other pages are kept, in order; links to an anchor of the page are not
            '1. What is [drift](#drift), [shift](https://x.org/s) or <a href="https://y.org/t">this</a>? <a href="#z">z</a>\n',
            "What is drift, shift or this? z",
            "https://x.org/s https://y.org/t",
        ),
        ("1. What is `dropout`?\n", "What is dropout?", None),  # inline code is part of the question
        ("1. What is the role of the  \n   learning rate?\n", "What is the role of the learning rate?", None),  # a hard break
        ("1. What is **dropout**\n   and why use it?\n", "What is dropout and why use it?", None),  # a line ending in bold
    ],
)
def test_a_question_keeps_its_words_and_its_links(bank, text, links):
    assert [(r["text"], r["links"]) for r in read_bank(bank, "numbered").rows] == [(text, links)]


def test_a_section_is_its_heading_cleaned():
    assert rows("# B\n\n## Deep learning 🧠\n\n1. Why ReLU?\n", "numbered") == [(5, "Deep learning", "Why ReLU?")]


def test_details_summaries_are_read_from_html():
    bank = "# B\n\n<details>\n<summary>What is a KV cache?</summary>\n\nIt stores keys.\n</details>\n"
    assert rows(bank, "details") == [(4, None, "What is a KV cache?")]


@pytest.mark.parametrize(
    "bank, questions",
    [
        ("- What is **X**?\n- **Why Y?**\n", ["Why Y?"]),  # only a bullet that starts bold is a bold bullet
        ("- **Q6:** How does **attention** scale?\n", ["How does attention scale?"]),  # its bold label, then the rest
        ("- **What is __LoRA__ used for?**\n", ["What is LoRA used for?"]),  # bold inside bold: the whole question
    ],
)
def test_a_bold_bullet_is_read_from_its_first_bold_span(bank, questions):
    assert texts(bank, "bold-bullets") == questions


@pytest.mark.parametrize(
    "bank, read",
    [
        # a numbered line glued to the item before it (a lazy continuation) is a question of its own, bold or not
        ("1. Explain dropout.\n**2. Explain batch norm.**\n", [(1, "Explain dropout."), (2, "Explain batch norm.")]),
        ("Q1. Explain dropout.\nQ2. Explain batch norm.\n", [(1, "Explain dropout."), (2, "Explain batch norm.")]),
        # a bold line ends its question: the line after it, not numbered, is the answer
        ("**1. Explain X.**\n**2. Explain Y.**\nAn answer.\n", [(1, "Explain X."), (2, "Explain Y.")]),
        # a bold question over two lines keeps the lines of the questions after it
        ("**1. What is X and\nwhy?**\n**2. How?**\n", [(1, "What is X and why?"), (3, "How?")]),
    ],
)
def test_numbered_questions_glued_in_one_paragraph_are_split_at_their_lines(bank, read):
    assert [(r["source_line"], r["text"]) for r in read_bank(bank, "numbered").rows] == read


@pytest.mark.parametrize(
    "bank, read",
    [
        # the answer after a hard line break is not the question's
        ("- What is X?  \n  An answer.\n", [("What is X?", None)]),
        # no space after a question mark (Chinese): the question ends at its first one
        ("- 什么是过拟合？如何避免？\n  答案。\n", [("什么是过拟合?", None)]),
        # a difficulty after the question is read before the text is cleaned
        ("- What is X? 🔴\n- Why Y? (Easy)\n", [("What is X?", "hard"), ("Why Y?", "easy")]),
        # a bullet holding a numbered list, and no question, is a topic
        ("- Deep learning\n  1. Why ReLU?\n- What is BN?\n", [("What is BN?", None)]),
    ],
)
def test_a_bullet_is_its_question_without_its_answer(bank, read):
    assert [(r["text"], r["difficulty"]) for r in read_bank(bank, "bullets").rows] == read


def test_each_numbered_topic_is_the_section_of_its_own_questions():
    bank = (
        "# B\n\n## A\n\n1. Optimisers\n   1. Why Adam?\n   2. Why warm-up?\n"
        "2. Regularisation\n   1. Why dropout?\n   2. Why weight decay?\n"
    )
    assert rows(bank, "numbered") == [
        (6, "Optimisers", "Why Adam?"),
        (7, "Optimisers", "Why warm-up?"),
        (9, "Regularisation", "Why dropout?"),
        (10, "Regularisation", "Why weight decay?"),
    ]


@pytest.mark.parametrize(
    "bank, read",
    [
        # level-1 headings that all ask: none is the title
        ("# What is bias?\n\nA.\n\n# What is variance?\n\nB.\n", [(1, None, "What is bias?"), (5, None, "What is variance?")]),
        # numbered level-1 chapters: each is the section of its questions
        (
            "# 1. Linear models\n\n## What is OLS?\n\nA.\n\n# 2. Trees\n\n## What is a split?\n\nB.\n",
            [(3, "1. Linear models", "What is OLS?"), (9, "2. Trees", "What is a split?")],
        ),
    ],
)
def test_level_1_headings_that_ask_or_are_numbered_are_no_title(bank, read):
    assert rows(bank) == read


# --- auto.py: sections, parts, why


def test_a_bank_with_no_title_reads_its_first_line_in_its_first_section():
    bank = "1. What is X?\n2. Why Y?\n\n## B\n\n- Is it A?\n- Is it B?\n\n## C\n\n- Is it C?\n- Is it D?\n"
    reading = read_bank(bank, "auto")
    assert [r["source_line"] for r in reading.rows] == [1, 2, 6, 7, 11, 12]
    assert [(p.layout, p.first_line, p.last_line, p.questions) for p in reading.parts] == [
        ("numbered", 1, 2, 2),
        ("bullets", 6, 12, 4),
    ]


@pytest.mark.parametrize(
    "bank, parts",
    [
        (  # a section between two numbered ones, 4 of its 5 bullets questions: exactly 80%, the bullets read it
            "# B\n\n## A\n\n1. What is X?\n2. Why Y?\n3. How Z?\n4. Is it W?\n\n## B\n\n"
            "- Is it A?\n- Is it B?\n- Is it C?\n- Is it D?\n- A point.\n\n## C\n\n1. What is V?\n",
            [("numbered", 5, 8, 4), ("bullets", 12, 16, 5), ("numbered", 20, 20, 1)],
        ),
        (  # a list after the last question, no heading between, 4 of its 5 bullets questions: exactly 80%, read
            "# B\n\n1. What is X?\n2. Why Y?\n3. How Z?\n4. Is it W?\n5. Is it U?\n\n"
            "- Is it A?\n- Is it B?\n- Is it C?\n- Is it D?\n- A point.\n",
            [("numbered", 3, 7, 5), ("bullets", 9, 13, 5)],
        ),
    ],
)
def test_another_layout_reading_exactly_80_percent_questions_is_read(bank, parts):
    assert [(p.layout, p.first_line, p.last_line, p.questions) for p in read_bank(bank, "auto").parts] == parts


def _items(lines: list[int], asking: int | None = None) -> list[Item]:
    asking = len(lines) if asking is None else asking
    return [Item(None, None, "Why?" if n < asking else "A point.", line) for n, line in enumerate(lines)]


@pytest.mark.parametrize(
    "others, added",
    [
        # a layout that fails the 80% does not stop the ones after it from being weighed
        ({"bullets": _items([20, 21], asking=0), "bold-bullets": _items([30, 31])}, ["bold-bullets"]),
        # one that reads the principal's first line lies not before it
        ({"bullets": _items([10])}, []),
        # a layout read beyond adds its lines: another inside them all is not beyond
        ({"bullets": _items([20, 21]), "bold-bullets": _items([15])}, ["bullets"]),
    ],
)
def test_a_layout_is_read_beyond_the_chosen_only_when_all_it_reads_lies_before_or_after(others, added):
    from pipeline.external.auto import beyond

    read = {"numbered": (_items([10, 11]), [])} | {layout: (items, []) for layout, items in others.items()}
    chosen = beyond(read, [("numbered", read["numbered"][0])], list(read))
    assert [layout for layout, _ in chosen] == ["numbered", *added]


def test_auto_says_what_it_chose_and_weighed_in_words():
    bank = "# B\n\n1. What is X?\n2. Why Y?\n\n## More\n\n- Is it A?\n"
    nothing = "no items"
    others = f"headings: {nothing}; table: {nothing}; details: {nothing}; bold-paragraphs: {nothing}; bold-bullets: {nothing}"
    assert read_bank(bank, "auto").why == (
        "auto chose numbered: 2 items, 2 look like questions (100%); parts: numbered lines 3–4 (2 items), "
        "bullets lines 8–8 (1 item) — weighed numbered: 2 items, 2 look like questions (100%); "
        f"{others}; bullets: 1 item, 1 looks like a question (100%); admonitions: {nothing}; "
        f"paragraphs (a fallback): {nothing}"
    )
    assert read_bank("# B\n\nJust text.\n", "auto").why == (
        f"auto chose numbered: {nothing} — weighed numbered: {nothing}; {others}; bullets: {nothing}; admonitions: {nothing}; "
        f"paragraphs (a fallback): {nothing}"
    )


@pytest.mark.parametrize(
    "layout, why",
    [
        ("numbered", "numbered (from the registry): 1 item, 1 looks like a question (100%)"),
        (
            "table+numbered",
            "table+numbered (from the registry): table: 2 items, 2 look like questions (100%); "
            "numbered: 1 item, 1 looks like a question (100%)",
        ),
    ],
)
def test_a_layout_the_registry_names_says_what_it_read(layout, why):
    bank = (
        "| id | prompt text |\n|---|---|\n| 1 | Name two pooling methods. |\n| 2 | Which loss for ranking? |\n\n1. What is X?\n"
    )
    assert read_bank(bank, layout).why == why


@pytest.mark.parametrize("layout", ["auto", "table"])
def test_a_reading_of_nothing_names_its_layout_and_is_sure_of_nothing(layout):
    reading = read_bank("# B\n\nJust text.\n", layout)
    assert (reading.rows, reading.layout, reading.confidence) == ([], "numbered" if layout == "auto" else layout, 0.0)


def test_the_warnings_of_the_layout_that_read_nothing_are_kept():
    assert read_bank("# B\n\n1.\n2.\n", "numbered").warnings == [
        "line 3: an empty list item, skipped",
        "line 4: an empty list item, skipped",
    ]


# --- markdown.py: limits, byte order mark, options, confidence, supplements


@pytest.mark.parametrize("over", [0, 1])
def test_a_line_over_the_limit_is_refused_naming_its_line(over):
    from pipeline.limits import LINE_MAX_CHARS

    bank = "# Bank title\n\n1. What is X?\n" + "x" * (LINE_MAX_CHARS + over) + "\n"
    if not over:
        assert texts(bank, "numbered") == ["What is X?"]
        return
    with pytest.raises(InputError) as raised:
        read_bank(bank, "numbered")
    assert (raised.value.line, raised.value.message) == (
        4,
        f"the line is {LINE_MAX_CHARS + 1:,} characters, over the limit of {LINE_MAX_CHARS:,} (docs/reliability.md)",
    )


@pytest.mark.parametrize("over", [0, 1])
def test_a_question_over_the_limit_is_refused_naming_its_line(over):
    from pipeline.limits import QUESTION_MAX_CHARS

    question = "Why " + "x" * (QUESTION_MAX_CHARS - 5 + over) + "?"
    bank = f"# B\n\n1. What is X?\n2. {question}\n"
    if not over:
        assert texts(bank, "numbered") == ["What is X?", question]
        return
    with pytest.raises(InputError) as raised:
        read_bank(bank, "numbered")
    assert (raised.value.line, raised.value.message) == (
        4,
        f"the question is {QUESTION_MAX_CHARS + 1:,} characters, over the limit of {QUESTION_MAX_CHARS:,} (docs/reliability.md)",
    )


def test_a_byte_order_mark_changes_nothing():
    bank = "# 63 questions\n\n## What is X?\n\nA.\n"
    assert rows("\ufeff" + bank) == rows(bank) == [(3, None, "What is X?")]
    assert title_count("\ufeff" + bank) == title_count(bank) == 63
    assert texts("\ufeff1. What is X?\n2. Why Y?\n") == ["What is X?", "Why Y?"]  # its first line too
    assert title_count("# Bank\n\n## 5 questions\n") is None  # only the first heading states a count


def test_a_layout_that_cannot_read_the_bank_says_why_and_the_others_read_it():
    bank = "| id | prompt text |\n|---|---|\n| 1 | Name two pooling methods. |\n\n1. What is X?\n"
    assert read_layouts(bank, {"question_column": "answer"})[0]["table"] == (
        [],
        ["no column 'answer' in the table (columns: id, prompt text)"],
    )
    reading = read_bank(bank, "auto", question_column="answer")
    assert ([r["text"] for r in reading.rows], reading.layout) == (["What is X?"], "numbered")


def test_parse_bank_reads_with_the_question_level_and_column_it_is_given():
    assert [r["text"] for r in parse_bank("# B\n\n## Basics\n\n### What is X?\n", "headings", question_level=2)] == ["Basics"]
    table = "| id | prompt text |\n|---|---|\n| 1 | Pooling |\n"
    assert [r["text"] for r in parse_bank(table, "table", question_column="2")] == ["Pooling"]


@pytest.mark.parametrize(
    "bank, confidence, doubts",
    [
        # 2 of 3 read look like questions: 0.667, the plain line in doubt
        ("# B\n\n1. What is X?\n2. Why Y?\n3. A statement.\n", 0.667, (5,)),
        # half read look like questions, and half of the question-like lines were read: the plain lines are in doubt
        (
            "# B\n\n1. What is X?\n2. Why Y?\n3. A statement.\n4. Another statement.\n\n## More\n\n- Is it A?\n- Is it B?\n",
            0.5,
            (5, 6),
        ),
    ],
)
def test_confidence_is_the_lower_share_and_its_lines_are_in_doubt(bank, confidence, doubts):
    reading = read_bank(bank, "numbered")
    assert (reading.confidence, reading.doubts) == (confidence, doubts)


# --- follow-ups (layouts/follow_ups.py, markdown.supplemented) and admonitions (layouts/admonitions.py)


@pytest.mark.parametrize(
    "bank, read",
    [
        (  # each labelled paragraph's questions, on its line, in its section; a list's, each on its own line
            "# B\n\n## Prompting\n\n### What is few-shot prompting?\n\nExamples.\n\n"
            "**Follow-ups:** How many are enough? Why can they hurt?\n\n### What is RAG?\n\nRetrieval.\n\n"
            '**Follow-ups:** What is RRF?\n\n**Common follow-ups.**\n\n-\n- "When do you skip reranking?" → when it is slow.\n',
            [
                (5, "Prompting", "What is few-shot prompting?"),
                (9, "What is few-shot prompting?", "How many are enough?"),
                (9, "What is few-shot prompting?", "Why can they hurt?"),
                (11, "Prompting", "What is RAG?"),
                (15, "What is RAG?", "What is RRF?"),
                (20, "What is RAG?", "When do you skip reranking?"),
            ],
        ),
        (  # a label that asks its own questions opens no list after it
            "# B\n\n### What is X?\n\nA.\n\n**Follow-ups:** Why A?\n\n- Is it an answer point?\n",
            [(3, None, "What is X?"), (7, "What is X?", "Why A?")],
        ),
        # a list before any label is no follow-up
        ("- Why A?\n- Why B?\n\n## What is X?\n\nAn answer.\n", [(4, None, "What is X?")]),
        # a label heading opens its list even at the bank's first line
        ("## Follow-up questions\n\n- Why X?\n", [(3, "Follow-up questions", "Why X?")]),
        (  # a follow-up that asks again what was read is not read twice, nor one asked under two questions
            "# B\n\n## What is X?\n\nA.\n\n**Follow-ups:** What is X? Why does it matter?\n\n"
            "## What is Y?\n\nB.\n\n**Follow-ups:** Why does it matter?\n",
            [(3, None, "What is X?"), (7, "What is X?", "Why does it matter?"), (9, None, "What is Y?")],
        ),
    ],
)
def test_follow_ups_are_read_on_their_lines_under_their_label_only(bank, read):
    assert rows(bank, "headings") == read


@pytest.mark.parametrize(
    "bank, read",
    [
        ('# B\n\n??? question "Bias and variance"\n\n    Text.\n', [(3, None, "Bias and variance")]),  # its type asks
        ('# B\n\n!!! note "Why normalise inputs?"\n\n    Text.\n', [(3, None, "Why normalise inputs?")]),  # its title asks
        ('# B\n\n!!! note "Read more"\n\n    Text.\n', []),
        (  # its answer indented right under it, no blank line between
            '# B\n\n??? question "What is a cost function?"\n    It measures the error.\n    Lower is better.\n',
            [(3, None, "What is a cost function?")],
        ),
        ('# B\n\n## Losses\n\n??? faq "What is a loss?"\n\n    Text.\n', [(5, "Losses", "What is a loss?")]),
    ],
)
def test_an_admonition_is_read_when_its_type_or_its_title_asks(bank, read):
    assert rows(bank, "admonitions") == read


# --- the second session's rules (#46): boundaries make mutate found unguarded


@pytest.mark.parametrize(
    "text, emptied",
    [
        ("---\ntitle: x\n---\n# T\n", "\n\n\n# T\n"),
        ("+++\na = 1\n+++\n# T\n", "\n\n\n# T\n"),  # TOML
        ("---\na: b\n...\n# T\n", "\n\n\n# T\n"),  # YAML's other closing mark
        ("---\r\na: b\r\n---\r\n# T\r\n", "\n\n\n# T\r\n"),  # CRLF
        ("---\n---\nx\n", "\n\nx\n"),  # empty front matter
        ("---\na\n---", "\n\n"),  # the file ends at the closing fence
        ("---\n" + "a\n" * 198 + "---\nx", "\n" * 200 + "x"),  # closes on line 200: front matter
        ("---\n" + "a\n" * 199 + "---\nx", "---\n" + "a\n" * 199 + "---\nx"),  # on line 201: none
        ("--- \na\n---\n", "--- \na\n---\n"),
    ],
)
def test_front_matter_is_emptied_line_for_line(text, emptied):
    from pipeline.external.markdown import without_front_matter

    assert without_front_matter(text) == emptied


@pytest.mark.parametrize(
    "text, shown",
    [
        ("```text\n1. Q?\n```\n", "\n1. Q?\n\n"),
        ("```text\n1. Q?\n```python\n```\n", "\n1. Q?\n```python\n\n"),  # a fence with a language does not close it
        ("````markdown\nQ?\n```\n````\n", "\nQ?\n```\n\n"),  # a shorter fence does not close a longer one
        ("```text\nQ?\n", "```text\nQ?\n"),  # never closed: left as it is
        ("```python\nQ?\n```\n", "```python\nQ?\n```\n"),  # code
    ],
)
def test_a_block_fenced_as_prose_loses_its_fences_and_code_keeps_them(text, shown):
    from pipeline.external.markdown import unfenced

    assert unfenced(text) == shown


def items(*specs) -> list[Item]:
    return [Item(section, None, text, line, []) for line, section, text in specs]


def test_framing_applies_at_exactly_80_percent_and_keeps_everything_between():
    from pipeline.external.auto import framed

    bank = items((1, None, "Made by me"), (3, "A", "Why?"), (4, "A", "Why not?"), (5, "A", "How?"), (6, "A", "What?"))
    kept, dropped = framed(bank)  # 4 of 5 ask: 80%
    assert [i.source_line for i in kept] == [3, 4, 5, 6] and dropped == [1]
    middle = items((3, "A", "Why?"), (4, "B", "Noun"), (5, "C", "How?"), (6, "C", "What?"), (7, "C", "Who?"))
    assert framed(middle)[1] == []  # between the first and the last question, whatever its section


def test_the_introduction_before_the_named_questions_bounds():
    from pipeline.external.auto import introduced

    scope = [(10, 20)]
    inside = items(*[(line, "Q", f"Design system {line}") for line in (10, 12, 14, 16, 20)])  # 5, both ends included
    guide = items((2, None, "Step one"), (3, None, "Step two"))
    kept, dropped = introduced(guide + inside, scope)
    assert dropped == [2, 3] and [i.source_line for i in kept] == [10, 12, 14, 16, 20]
    assert introduced(guide + inside[:4], scope)[1] == []  # 4 items under the heading: too few to tell
    half = items((2, None, "Step one"), (3, None, "Why this guide?"))
    assert introduced(half + inside, scope)[1] == []  # half the guide asks: a bank's, kept
    after = items((30, None, "Outro"))
    assert [i.source_line for i in introduced(guide + inside + after, scope)[0]][-1] == 30  # after the heading: kept


def test_the_fallback_fires_at_exactly_5_questions_and_3_times_the_others():
    from pipeline.external.markdown import read_bank

    plain = "".join(f"What is idea {n}?\n\nIt is.\n\n" for n in range(5))
    assert read_bank("# B\n\n" + plain, "auto").layout == "paragraphs"  # 5, against none
    assert "paragraphs" not in read_bank("# B\n\n" + plain[: plain.index("What is idea 4")], "auto").layout  # 4
    six = "".join(f"What is idea {n}?\n\nIt is.\n\n" for n in range(6))
    assert "paragraphs" in read_bank("# B\n\n- **Why one?**\n- **Why two?**\n\n" + six, "auto").layout  # 6 = 3 × 2
    five = "".join(f"What is idea {n}?\n\nIt is.\n\n" for n in range(5))
    assert "paragraphs" not in read_bank("# B\n\n- **Why one?**\n- **Why two?**\n\n" + five, "auto").layout  # 5 < 6
