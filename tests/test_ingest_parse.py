"""The parser on tiny inline appendices: each case states its exact expected rows."""

import pytest

from pipeline.errors import InputError
from pipeline.ingest.parse import parse_appendix, parse_attribution_item, parse_chapter_claims, split_lines, stable_ids

HEAD = "Questions are tagged: [conceptual] [tradeoff]\nChapter 1 — Foundations\n1.1 Tokenization\n"


def questions(text: str) -> list[tuple]:
    return [(q["label"], q["text"], q["tag"], q["source_line"], q["tag_line"]) for q in parse_appendix(text)["questions"]]


def test_pdf_layout_tag_belongs_to_the_question_before_it():
    text = HEAD + "- Why subwords?\n[conceptual] - Compare BPE and WordPiece?\n[tradeoff] - What is BBPE?\n[conceptual]\n"
    assert questions(text) == [
        ("1.1.1", "Why subwords?", "conceptual", 4, 5),
        ("1.1.2", "Compare BPE and WordPiece?", "tradeoff", 5, 6),
        ("1.1.3", "What is BBPE?", "conceptual", 6, 7),
    ]


def test_clean_layout_tag_at_end_of_own_line():
    text = HEAD + "- Why subwords? [conceptual]\n- Compare BPE and WordPiece? [tradeoff]\n"
    assert questions(text) == [
        ("1.1.1", "Why subwords?", "conceptual", 4, 4),
        ("1.1.2", "Compare BPE and WordPiece?", "tradeoff", 5, 5),
    ]


@pytest.mark.parametrize(
    "body, expected_tags",
    [
        ("- A?\n- B?\n[tradeoff]\n", [None, "tradeoff"]),  # A's tag line was deleted
        ("- A?\n[Conceptul] - B?\n[tradeoff]\n", ["Conceptul", "tradeoff"]),  # kept exactly as written
        ("- A?\n[conceptual] - B?\n", ["conceptual", None]),  # last tag of the section missing
        ("- Uses [CLS]?\n[conceptual]\n", ["conceptual"]),  # brackets in the text stay text in the PDF layout
    ],
)
def test_tags_missing_or_misspelt_are_kept_as_read(body, expected_tags):
    assert [q[2] for q in questions(HEAD + body)] == expected_tags


def test_crlf_and_bom_change_nothing():
    text = HEAD + "- A?\n[conceptual] - B?\n[tradeoff]\n"
    assert parse_appendix("\ufeff" + text.replace("\n", "\r\n")) == parse_appendix(text)


def test_split_lines_counts_like_a_file():
    assert split_lines("a\r\nb\n\nc") == ["a", "b", "", "c"]
    assert split_lines("a\n") == ["a"]


def test_sections_record_the_chapter_they_name_and_the_one_they_sit_in():
    text = HEAD + "- A? [conceptual]\nChapter 2 — Pretraining\n2.1 Data\n- B? [design]\n1.9 Stray\n- C? [debug]\n"
    sections = [
        (s["section_id"], s["chapter_id"], s["parent_chapter_id"], s["position"], s["source_line"])
        for s in parse_appendix(text)["sections"]
    ]
    assert sections == [("1.1", 1, 1, 1, 3), ("2.1", 2, 2, 1, 6), ("1.9", 1, 2, 2, 8)]


@pytest.mark.parametrize(
    "body, reason",
    [
        ("[conceptual]\n", "tag [conceptual] follows no untagged question"),
        ("- A? [conceptual]\nsome wrapped text\n", "line in the question body is not `- question`, `[tag]` or a heading"),
    ],
)
def test_unplaced_lines_become_parse_issues(body, reason):
    issues = parse_appendix(HEAD + body)["parse_issues"]
    assert [(i["reason"], i["source_line"]) for i in issues] == [(reason, 4 if body.startswith("[") else 5)]


def test_question_before_any_section_is_an_issue_not_a_row():
    tables = parse_appendix("Chapter 1 — A\n- Orphan? [design]\n")
    assert tables["questions"] == []
    assert tables["parse_issues"] == [
        {"source_line": 2, "text": "- Orphan? [design]", "reason": "question before any section heading"}
    ]


def test_question_ids_are_stable_and_unique():
    before = parse_appendix(HEAD + "- A? [conceptual]\n- B? [tradeoff]\n- A? [design]\n")["questions"]
    after = parse_appendix(HEAD + "- New? [design]\n- A? [conceptual]\n- B? [tradeoff]\n- A? [design]\n")["questions"]
    ids_before = {q["label"]: q["question_id"] for q in before}
    assert len({q["question_id"] for q in before}) == 3
    assert ids_before["1.1.3"] == ids_before["1.1.1"] + "-2"
    assert [q["question_id"] for q in after[1:]] == [q["question_id"] for q in before]


def test_stable_ids_fold_case_and_space():
    assert stable_ids("q", ["What  is X?", "what is x?"]) == [
        stable_ids("q", ["What is X?"])[0],
        stable_ids("q", ["What is X?"])[0] + "-2",
    ]


def test_totals_block():
    tables = parse_appendix(HEAD + "- A? [conceptual]\nTotal: 1 questions\n- Conceptual: ~150\n- Coding: 5 (in code files)\n")
    assert tables["stated_totals"] == [
        {"figure": "questions", "value": 1, "is_approximate": False, "text": "Total: 1 questions", "source_line": 5}
    ]
    tags = {t["tag"]: (t["is_declared"], t["stated_count"], t["is_approximate"], t["note"]) for t in tables["tags"]}
    assert tags == {
        "conceptual": (True, 150, True, None),
        "tradeoff": (True, None, None, None),
        "coding": (False, 5, False, "in code files"),
    }


REFS = """References
Post-Training
| Paper | Authors | Year | Relevant Chapters |
|---|---|---|---|
| LoRA: Low-Rank Adaptation | Hu et al. | 2021 | Ch 4 (PEFT), Ch 6 |
Banks
| Resource | Link | Notes |
|---|---|---|
| MLStack.cafe — LLMs Interview Questions (59 Qs) | mlstack.cafe/llms | Ch 1–4 |
| Bad row | only two |
"""


def test_reference_tables():
    tables = parse_appendix(HEAD + "- A? [conceptual]\n" + REFS)
    refs = [
        (r["category"], r["title"], r["authors"], r["year"], r["link"], r["question_count"], r["source_line"])
        for r in tables["refs"]
    ]
    assert refs == [
        ("Post-Training", "LoRA: Low-Rank Adaptation", "Hu et al.", 2021, None, None, 9),
        ("Banks", "MLStack.cafe — LLMs Interview Questions (59 Qs)", None, None, "mlstack.cafe/llms", 59, 13),
    ]
    lora = tables["refs"][0]["ref_id"]
    assert tables["ref_chapters"] == [
        {"ref_id": lora, "chapter_id": 4, "topic": "PEFT", "source_line": 9},
        {"ref_id": lora, "chapter_id": 6, "topic": None, "source_line": 9},
    ]
    assert [(i["source_line"], i["reason"]) for i in tables["parse_issues"]] == [(14, "reference row has 2 cells, its header 3")]


@pytest.mark.parametrize(
    "cell, claims",
    [
        ("Ch 1 (Attention, Architecture), Ch 5", [(1, "Attention, Architecture"), (5, None)]),
        ("Ch 7", [(7, None)]),
        ("Chapter seven", None),
    ],
)
def test_chapter_claims(cell, claims):
    assert parse_chapter_claims(cell) == claims


@pytest.mark.parametrize(
    "item, expected",
    [
        ("Radford et al. 2018/2019 (GPT/GPT-2)", [("Radford et al.", "2018/2019", "GPT/GPT-2", None, None)]),
        (
            "MLStack.cafe (59 LLMs Interview Questions, 42 ChatGPT Interview Questions — mlstack.cafe/x)",
            [
                ("MLStack.cafe", None, "LLMs Interview Questions", 59, "mlstack.cafe/x"),
                ("MLStack.cafe", None, "ChatGPT Interview Questions", 42, "mlstack.cafe/x"),
            ],
        ),
        (
            "Chip Huyen — “Designing ML Systems” (O’Reilly 2022) and blog (huyenchip.com)",
            [("Chip Huyen", "2022", "Designing ML Systems", None, "huyenchip.com")],
        ),
        (
            "Full Stack Deep Learning — LLM Bootcamp 2023 (fsdl.com)",
            [("Full Stack Deep Learning", "2023", "LLM Bootcamp 2023", None, "fsdl.com")],
        ),
        ("Blind (FAANG interview threads)", [("Blind", None, None, None, None)]),
        ("Hacker News", [("Hacker News", None, None, None, None)]),
    ],
)
def test_attribution_items(item, expected):
    rows = parse_attribution_item(item)
    assert [(r["source"], r["year"], r["work"], r["question_count"], r["link"]) for r in rows] == expected


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "the appendix is empty"),
        (" \n\n", "the appendix is empty"),
        ("Just some notes\n- A question?\n", "no chapter heading (`Chapter N — Title`) found: is this the appendix?"),
    ],
)
def test_bad_input_raises_one_clear_error(text, message):
    with pytest.raises(InputError) as caught:
        parse_appendix(text)
    assert caught.value.message == message
