"""External banks read part by part (#35): a bank is cut into sections at its headings and around its tables; the
principal layout keeps each section where it reads a question, another layout takes a section only where at least
80% of what it reads there looks like questions, and the parts (layout, lines) reach the warehouse and the page."""

import pyarrow.parquet as pq
import pytest

from helpers import REAL_APPENDIX, ROOT, build_stages
from pipeline.external.auto import Part, parts_of
from pipeline.external.blocks import parser, part_starts
from pipeline.external.clean import Item
from pipeline.external.markdown import read_bank

FIXTURES = ROOT / "pipeline" / "evaluation" / "data" / "banks"


def test_parts_start_at_every_heading_at_a_table_and_after_it():
    text = "# T\n\nintro\n\n## A\n\n1. Q?\n\n| # | Question |\n|---|---|\n| 1 | Why? |\n\n- What?\n\n### B\n"
    assert part_starts(parser().parse(text)) == [1, 5, 9, 12, 15]


def test_the_principal_keeps_a_section_where_it_reads_a_question():
    """Bullets under a numbered question are its points, even where more of them look like questions."""
    text = "# Bank\n\n## One\n\n1. What is a token?\n\n- Why not bytes?\n- What about words?\n\n## Two\n\n1. What is BPE?\n"
    reading = read_bank(text, "auto")
    assert [r["text"] for r in reading.rows] == ["What is a token?", "What is BPE?"]
    assert reading.layout == "numbered"


def test_another_layout_takes_a_section_only_when_80_percent_of_it_looks_like_questions():
    def bank(bullets):
        return "# Bank\n\n## One\n\n1. What is a token?\n2. Why BPE?\n\n## More\n\n" + "".join(f"- {b}\n" for b in bullets)

    four_of_five = ["What is a logit?", "Why softmax?", "How is loss computed?", "When to stop?", "The book"]
    two_of_three = ["What is a logit?", "Why softmax?", "The book"]
    assert read_bank(bank(four_of_five), "auto").layout == "numbered+bullets"
    assert len(read_bank(bank(four_of_five), "auto").rows) == 7
    assert read_bank(bank(two_of_three), "auto").layout == "numbered"


def test_a_list_after_the_last_question_with_no_heading_between_is_still_read():
    text = "# Bank\n\n## One\n\n1. What is a token?\n2. Why BPE?\n\nBonus questions:\n\n- What is a logit?\n- Why softmax?\n"
    reading = read_bank(text, "auto")
    assert reading.layout == "numbered+bullets" and len(reading.rows) == 4
    assert reading.parts == [Part("numbered", 5, 6, 2), Part("bullets", 10, 11, 2)]


def test_parts_join_runs_in_one_layout_and_skip_sections_that_read_nothing():
    def items(*lines):
        return [Item(None, None, "What?", line) for line in lines]

    chosen = [("numbered", items(3, 4)), ("numbered", []), ("numbered", items(9)), ("table", items(12)), ("numbered", items(20))]
    assert parts_of(chosen) == [Part("numbered", 3, 9, 3), Part("table", 12, 12, 1), Part("numbered", 20, 20, 1)]


def test_the_parts_reach_the_warehouse_and_the_coverage_page(tmp_path):
    raw = tmp_path / "raw"
    (raw / "external").mkdir(parents=True)
    (raw / "external" / "mixed.md").write_text((FIXTURES / "mixed_sections.md").read_text(encoding="utf-8"), encoding="utf-8")
    (raw / "banks.csv").write_text(
        "bank_id,name,file,source,licence,layout,question_level,stated_as\nmx,Mixed <b>,external/mixed.md,s,MIT,auto,,\n",
        encoding="utf-8",
    )
    wh, reports = build_stages(REAL_APPENDIX, tmp_path, {"overlap"}, EXTERNAL_BANKS=raw / "banks.csv")
    parts = pq.ParquetFile(wh / "external_layout_parts.parquet").read().to_pylist()
    assert [(p["part"], p["layout"], p["first_line"], p["last_line"], p["questions"]) for p in parts] == [
        (1, "numbered", 7, 9, 3),
        (2, "table", 15, 16, 2),
        (3, "numbered", 20, 21, 2),
        (4, "bullets", 25, 27, 3),
    ]
    page = (reports / "external_coverage.html").read_text(encoding="utf-8")
    assert (
        "Read as numbered+table+bullets (chosen by auto): numbered, lines 7–9 (3 questions); table, lines 15–16 "
        "(2 questions); numbered, lines 20–21 (2 questions); bullets, lines 25–27 (3 questions)."
    ) in page
    assert "Mixed &lt;b&gt;" in page and "Mixed <b>" not in page
    assert "Read as numbered+table+bullets" in (reports / "external_coverage.md").read_text(encoding="utf-8")


def test_eval_external_reads_every_fixture_at_095_or_more_and_cuts_it_into_its_parts():
    from pipeline.evaluation.external import fixture_figures

    rows = {r["layout"]: r for r in fixture_figures(FIXTURES)}
    assert set(rows) == {"numbered", "headings", "table", "bold-paragraphs", "bold-bullets", "bullets", "auto"}
    assert all(r["precision"] >= 0.95 and r["recall"] >= 0.95 for r in rows.values()), rows
    assert rows["auto"]["parts_right"] == rows["auto"]["banks"] >= 14


def test_eval_external_scores_each_layout_on_its_own_parts():
    """A question missing from the truth of a bank's table part lowers the table's precision, not the other part's."""
    from pipeline.evaluation.external import Case, layout_figures

    text = (FIXTURES / "table_companies.md").read_text(encoding="utf-8")
    expected = [
        (q, line)
        for q, line in [
            ("How does dropout prevent overfitting?", 7),
            ("Explain the bias-variance trade-off", 8),
            ("Why does batch normalisation speed up training?", 9),
            ("Design a spam filter for a messaging app", 10),
            ("How would you detect data leakage in a feature pipeline?", 25),
            ("When would you prefer gradient boosting over a neural network?", 26),
            ("What does a calibration curve tell you?", 27),
        ]
    ]
    parts = [("table", 7, 11, 5), ("bold-bullets", 25, 27, 3)]
    rows = {r["layout"]: r for r in layout_figures([Case(text, "table+bold-bullets", expected, parts)])}
    assert rows["table"]["precision"] == 4 / 5 and rows["table"]["recall"] == 1.0
    assert rows["bold-bullets"]["precision"] == rows["bold-bullets"]["recall"] == 1.0
    assert rows["auto"]["precision"] == 7 / 8 and rows["auto"]["parts_right"] == 1


def test_a_numbered_topic_holding_numbered_questions_is_their_section():
    topic = "## 进阶\n\n1. 优化器问题\n   1. Adam 和 SGD 各有什么优缺点？\n   2. 学习率预热有什么作用？\n2. 如何判断过拟合？\n"
    rows = read_bank(topic, "numbered").rows
    assert [(r["section"], r["number"], r["text"]) for r in rows] == [
        ("优化器问题", 1, "Adam 和 SGD 各有什么优缺点?"),
        ("优化器问题", 2, "学习率预热有什么作用?"),
        ("进阶", 2, "如何判断过拟合?"),
    ]
    answer = "## A\n\n1. What is dropout?\n   1. Why does it help?\n   2. How is it scaled?\n"  # a question's points
    assert [r["text"] for r in read_bank(answer, "numbered").rows] == ["What is dropout?"]
    steps = "## A\n\n1. Dropout\n   1. Drop units at random.\n   2. Scale at test time.\n"  # no questions under it
    assert [r["text"] for r in read_bank(steps, "numbered").rows] == ["Dropout"]


@pytest.mark.parametrize(
    "asked, points, is_topic",
    [(5, 0, True), (4, 1, True), (3, 1, False), (2, 2, False), (1, 1, False), (0, 3, False)],
)
def test_a_numbered_item_is_a_topic_only_when_80_percent_of_the_items_under_it_are_questions(asked, points, is_topic):
    """4 of 5 is a topic (its items are read, the topic their section); 3 of 4 is an item with its answer's points."""
    under = [f"What is case {n}?" for n in range(asked)] + [f"A point of the answer, {n}." for n in range(points)]
    bank = "## A\n\n1. Optimisers\n" + "".join(f"   {n}. {text}\n" for n, text in enumerate(under, 1))
    rows = read_bank(bank, "numbered").rows
    if is_topic:
        assert [(r["section"], r["text"]) for r in rows] == [("Optimisers", text) for text in under]
    else:
        assert [(r["section"], r["text"]) for r in rows] == [("A", "Optimisers")]


def test_an_item_with_no_words_is_skipped_with_a_warning():
    reading = read_bank("# Bank\n\n1. What is a token?\n2. ...\n3. —\n", "numbered")
    assert [r["text"] for r in reading.rows] == ["What is a token?"]
    assert reading.warnings == ["line 4: an item with no words ('...'), skipped", "line 5: an item with no words (''), skipped"]


def test_chinese_any_and_geometry_are_no_japanese_what():
    from pipeline.external.clean import looks_like_question

    assert not looks_like_question("任何一个神经元都不能依赖其他神经元")
    assert not looks_like_question("几何平均数")
    assert looks_like_question("何时使用 LoRA") and looks_like_question("これは何ですか")


def test_a_label_that_only_says_question_is_dropped():
    text = "# Bank\n\n### Q: Why do we scale by sqrt(d)?\n\nAnswer.\n\n### Question: What is RLHF?\n\n### 问：什么是 RAG？\n"
    assert [r["text"] for r in read_bank(text, "headings").rows] == [
        "Why do we scale by sqrt(d)?",
        "What is RLHF?",
        "什么是 RAG?",
    ]
    assert [r["text"] for r in read_bank("# B\n\n1. Q-learning: what is it?\n", "numbered").rows] == ["Q-learning: what is it?"]
