"""External banks, round two: the banks people publish (fixtures in pipeline/evaluation/data/banks, written before the code).

Each fixture carries one failure kind seen on real banks: plain bullet lists under topics, answers glued to the
question, numbered subheadings inside answers, a table followed by lists, an empty list item, Chinese and Spanish
banks, difficulty markers and mathematical letters, and a bank where nothing looks like a question.
"""

import json

import pytest

from helpers import ROOT, build_stages
from pipeline.external.clean import looks_like_question
from pipeline.external.markdown import read_bank

FIXTURES = ROOT / "pipeline" / "evaluation" / "data" / "banks"
EXPECTED = json.loads((FIXTURES / "expected.json").read_text(encoding="utf-8"))


def rows_of(name: str, layout: str):
    rows, used, why, warnings, *_ = read_bank((FIXTURES / name).read_text(encoding="utf-8"), layout)
    return [[r["section"], r["number"], r["text"], r["source_line"], r["difficulty"]] for r in rows], used, why, warnings


@pytest.mark.parametrize("name", sorted(EXPECTED))
@pytest.mark.parametrize("given", ["its layout", "auto"])
def test_each_fixture_reads_exactly(name, given):
    expected = EXPECTED[name]
    rows, used, why, warnings = rows_of(name, expected["layout"] if given == "its layout" else "auto")
    assert rows == expected["rows"], why
    assert used == expected["layout"], why
    if "warning" in expected:
        assert expected["warning"] in warnings


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_auto_says_which_layouts_it_weighed(name):
    _, _, why, _ = rows_of(name, "auto")
    assert why.startswith("auto chose ")
    for layout in ("numbered", "headings", "table", "details", "bold-paragraphs", "bold-bullets", "bullets"):
        assert f"{layout}: " in why, (layout, why)


def test_auto_never_chooses_a_layout_that_read_nothing():
    _, used, why, _ = rows_of("auto_empty.md", "auto")
    assert used == "bullets" and "no items" in why


@pytest.mark.parametrize(
    "text",
    [
        "什么是 RAG",
        "请解释注意力机制",
        "如何部署一个大模型",
        "为什么需要归一化",
        "这个方法有效吗",
        "简述 Transformer 的结构",
        "谈谈你对 RLHF 的理解",
        "列举几种位置编码",
        "手写 softmax",
        "简单介绍一下 LoRA",
        "BERT 和 GPT 的区别",
        "¿Qué es RAG?",
        "Qué es RAG",
        "Explica el ajuste fino",
        "Por qué usar LoRA",
        "Was ist ein Transformer",
        "Warum braucht man Layer-Norm",
        "Erkläre den Unterschied zwischen LoRA und QLoRA",
        "Wie funktioniert RAG",
        "Qu'est-ce qu'un embedding",
        "Pourquoi normaliser les couches",
        "Expliquez le mécanisme d'attention",
        "Comment réduire la latence",
        "O que é um transformer",
        "Por que usar RAG",
        "Explique o ajuste fino",
        "Como avaliar um LLM",
        "Что такое внимание",
        "Почему нужен KV-кэш",
        "Объясните LoRA",
        "Как снизить задержку",
        "トランスフォーマーとは何ですか",
        "なぜ位置エンコーディングが必要なのか",
        "LoRAを説明してください",
        "트랜스포머란 무엇인가요",
        "왜 위치 인코딩이 필요한가요",
        "LoRA를 설명하세요",
        "ما هو المحول؟",
        "What is a KV cache？",
    ],
)
def test_questions_in_other_languages_look_like_questions(text):
    assert looks_like_question(text)


@pytest.mark.parametrize(
    "text",
    [
        "Self-attention and its quadratic cost",
        "注意力机制的计算成本",
        "介绍：输入双向注意力，输出单向注意力",
        "区别在于 attention mask 不同",
        "Die Kosten der Aufmerksamkeit",
        "Le coût de l'attention",
        "El costo de la atención",
        "Стоимость внимания",
        "注意機構の計算コスト",
        "어텐션의 계산 비용",
    ],
)
def test_statements_in_other_languages_do_not(text):
    assert not looks_like_question(text)


def test_an_empty_list_item_never_makes_a_question_twice():
    rows, _, _, warnings = rows_of("empty_item.md", "numbered")
    assert len({r[3] for r in rows}) == len(rows) == 2
    assert warnings == ["line 5: an empty list item, skipped"]


@pytest.mark.parametrize("name, count", [("chinese.md", 6), ("spanish.md", 4), ("difficulty.md", 5), ("table_then_lists.md", 7)])
def test_the_title_s_stated_count_is_read(name, count):
    from pipeline.external.markdown import title_count

    assert title_count((FIXTURES / name).read_text(encoding="utf-8")) == count


def test_a_title_count_that_differs_from_what_was_read_is_a_warning(tmp_path):
    from helpers import REAL_APPENDIX

    raw = tmp_path / "raw"
    (raw / "external").mkdir(parents=True)
    for name in ("chinese.md", "spanish.md"):
        (raw / "external" / name).write_text((FIXTURES / name).read_text(encoding="utf-8"), encoding="utf-8")
    (raw / "banks.csv").write_text(
        "bank_id,name,file,source,licence,layout,question_level,stated_as\n"
        "zh,Chinese,external/chinese.md,s,MIT,auto,,\nes,Spanish,external/spanish.md,s,MIT,auto,,\n",
        encoding="utf-8",
    )
    wh, rep = build_stages(REAL_APPENDIX, tmp_path, {"check"}, EXTERNAL_BANKS=raw / "banks.csv")
    import pyarrow.parquet as pq

    banks = {b["bank_id"]: b for b in pq.ParquetFile(wh / "external_banks.parquet").read().to_pylist()}
    assert (banks["zh"]["title_count"], banks["zh"]["questions"]) == (6, 5)
    assert (banks["es"]["title_count"], banks["es"]["questions"]) == (4, 4)
    quality = json.loads((rep / "quality.json").read_text(encoding="utf-8"))
    (outcome,) = [o for o in quality["outcomes"] if o["check"] == "external-title-count"]
    assert not outcome["success"] and outcome["unexpected_count"] == 1  # a warning: the build goes on


def test_the_registry_may_name_two_layouts(tmp_path):
    from pipeline.external.registry import parse_registry

    (bank,) = parse_registry(
        "bank_id,name,file,source,licence,layout,question_level,stated_as\nb,B,x.md,s,MIT,table+numbered,,\n"
    )
    assert bank["layout"] == "table+numbered"


@pytest.mark.parametrize(
    "text, number, body",
    [
        ("12、什么是注意力?", 12, "什么是注意力?"),
        ("12．什么是注意力?", 12, "什么是注意力?"),  # a full-width full stop
        ("4.LoRA 的核心思想是什么?", 4, "LoRA 的核心思想是什么?"),
        ("Q6: How would you shard it?", 6, "How would you shard it?"),
        ("3. Why?", 3, "Why?"),
        ("3.5 billion parameters: enough?", None, "3.5 billion parameters: enough?"),  # a decimal is no number
        ("2024 was the year of agents", None, "2024 was the year of agents"),
    ],
)
def test_numbers_as_banks_write_them(text, number, body):
    from pipeline.external.clean import numbered

    assert numbered(text) == (number, body)


def test_a_table_that_holds_no_questions_is_skipped_and_difficulty_comes_from_its_column():
    text = (
        "# Bank\n\n| # | Question | Difficulty |\n|---|---|---|\n| 1 | What is a token? | Easy |\n\n"
        "| Company | Questions asked |\n|---|---|\n| Acme | 3 |\n| Initech | 2 |\n"
    )
    rows, used, why, warnings, *_ = read_bank(text, "table")
    assert [(r["number"], r["text"], r["difficulty"]) for r in rows] == [(1, "What is a token?", "easy")]
    assert warnings == ["line 7: a table that holds no questions (Company, Questions asked), skipped"]
    rows, *_ = read_bank(text, "table", question_column="2")  # the column named by the registry: read as told
    assert [r["text"] for r in rows] == ["What is a token?", "3", "2"]


def test_auto_names_the_lines_of_every_part_it_chose():
    _, used, why, _ = rows_of("table_companies.md", "auto")
    assert used == "table+bold-bullets"
    assert why.startswith(
        "auto chose table: 5 items, 5 look like questions (100%); parts: table lines 7–11 (5 items), "
        "bold-bullets lines 25–27 (3 items) — weighed "
    ), why


@pytest.mark.parametrize("name", sorted(n for n in EXPECTED if "parts" in EXPECTED[n]))
@pytest.mark.parametrize("given", ["its layout", "auto"])
def test_a_bank_in_several_layouts_is_read_part_by_part(name, given):
    """Each section goes to the layout that reads its questions: a table section inside a numbered bank, a numbered
    list between question headings; the parts (layout, first and last line, questions) are the fixture's truth."""
    expected = EXPECTED[name]
    reading = read_bank((FIXTURES / name).read_text(encoding="utf-8"), expected["layout"] if given == "its layout" else "auto")
    assert [[p.layout, p.first_line, p.last_line, p.questions] for p in reading.parts] == expected["parts"], reading.why
