"""Every coverage figure the reports derive, pinned on the small fixture appendix.

The expected rows were worked out by hand from tests/data/fixture_appendix.txt and fixture_aliases.csv
(which question names which reference, which chapter claims which), not copied from the output.
"""

import pytest

from helpers import FIXTURE_APPENDIX, ROOT, build_warehouse

ALIASES = ROOT / "tests" / "data" / "fixture_aliases.csv"
GENERIC = ROOT / "raw" / "generic_terms.csv"
ATTENTION, GQA, MAMBA = (
    "Attention Is All You Need",
    "GQA: Training Generalized Multi-Query Transformer Models",
    "Mamba: Linear-Time Sequence Modeling with Selective State Spaces",
)
LORA, DPO, STAR = (
    "LoRA: Low-Rank Adaptation of Large Language Models",
    "Direct Preference Optimization (DPO)",
    "STaR: Self-Taught Reasoner",
)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fixture")
    return build_warehouse(FIXTURE_APPENDIX, folder, report=True, ALIASES=ALIASES, GENERIC_TERMS=GENERIC)


def rows(warehouse, query: str) -> list[tuple]:
    import duckdb

    connection = duckdb.connect(str(warehouse[0] / "questions.duckdb"), read_only=True)
    try:
        return connection.sql(query).fetchall()
    finally:
        connection.close()


def line_of(text: str) -> int:
    """Return the fixture line that contains `text` (so the test does not count lines by hand)."""
    (line,) = [n for n, line in enumerate(FIXTURE_APPENDIX.read_text(encoding="utf-8").splitlines(), 1) if text in line]
    return line


def test_question_refs(warehouse):
    linked = rows(
        warehouse,
        "select q.label, r.title, qr.matched_term from question_refs qr join questions q using (question_id) join refs r using (ref_id) order by q.source_line",
    )
    assert linked == [
        ("1.1.1", ATTENTION, "scaled dot-product attention"),
        ("1.1.2", GQA, "MQA"),  # MQA and GQA both name it: one row, with the alias that comes first in the text
        ("1.2.2", MAMBA, "Mamba"),
        ("2.1.1", LORA, "LoRA"),  # 2.1.2 asks about QLoRA: not a mention of LoRA
        ("2.1.4", LORA, "LoRA"),
        ("2.2.1", DPO, "DPO"),
        ("2.2.2", DPO, "DPO"),
        ("3.1.1", GQA, "GQA"),
        ("3.1.2", LORA, "LoRA"),
    ]


def test_chapter_papers(warehouse):
    assert rows(warehouse, "select chapter_id, reference, topic, sections from rpt_chapter_papers") == [
        (1, ATTENTION, "Attention", "1.1 Attention"),
        (1, GQA, "Attention", "1.1 Attention"),
        (1, MAMBA, "Architecture", "1.2 Architecture"),
        (2, DPO, "Preference Alignment", "2.2 Preference Alignment"),
        (2, LORA, "PEFT", "2.1 PEFT / LoRA"),
        (2, STAR, None, None),
    ]


def test_chapter_coverage(warehouse):
    assert rows(warehouse, "select chapter_id, reference, coverage, questions, labels from rpt_chapter_coverage") == [
        (1, ATTENTION, "claimed and named", 1, "1.1.1"),
        (1, GQA, "claimed and named", 1, "1.1.2"),
        (1, MAMBA, "claimed and named", 1, "1.2.2"),
        (2, DPO, "claimed and named", 2, "2.2.1, 2.2.2"),
        (2, LORA, "claimed and named", 2, "2.1.1, 2.1.4"),
        (2, STAR, "claimed, never named", 0, None),
        (3, GQA, "named, not claimed", 1, "3.1.1"),
        (3, LORA, "named, not claimed", 1, "3.1.2"),
    ]


def test_chapters_without_claims(warehouse):
    assert rows(warehouse, "select * from rpt_chapters_without_claims") == [(3, "Models", 3)]


def test_unreferenced_terms(warehouse):
    assert rows(warehouse, "select term, questions, chapters, labels from rpt_unreferenced_terms") == [
        ("KV", 4, 2, "1.1.2, 1.1.4, 3.1.1, 3.1.3"),
        ("DeepSeek", 2, 2, "1.1.4, 3.1.1"),
        ("MLA", 2, 2, "1.1.4, 3.1.1"),
        ("V2", 2, 2, "1.1.4, 3.1.1"),
        ("FSDP", 1, 1, "2.1.3"),
        ("FlashAttention", 1, 1, "1.1.3"),
        ("MHA", 1, 1, "1.1.2"),
        ("MoE", 1, 1, "1.2.1"),
        ("PPO", 1, 1, "2.2.1"),  # from "PPO-based"
        ("QLoRA", 1, 1, "2.1.2"),
        ("RLHF", 1, 1, "2.2.1"),
        ("ZeRO", 1, 1, "2.1.3"),
    ]


def test_tag_mix(warehouse):
    assert rows(warehouse, "select chapter_id, tag, questions, share from rpt_tag_mix_chapter") == [
        (1, "conceptual", 5, 0.833),
        (1, "tradeoff", 1, 0.167),
        (2, "conceptual", 3, 0.5),
        (2, "coding", 1, 0.167),
        (2, "debug", 1, 0.167),
        (2, "tradeoff", 1, 0.167),
        (3, "conceptual", 1, 0.333),
        (3, "design", 1, 0.333),
        (3, "estimation", 1, 0.333),
    ]
    assert rows(warehouse, "select section_id, tag, questions from rpt_tag_mix_section") == [
        ("1.1", "conceptual", 3),
        ("1.1", "tradeoff", 1),
        ("1.2", "conceptual", 2),
        ("2.1", "conceptual", 3),
        ("2.1", "debug", 1),
        ("2.2", "coding", 1),
        ("2.2", "tradeoff", 1),
        ("3.1", "conceptual", 1),
        ("3.1", "design", 1),
        ("3.1", "estimation", 1),
    ]


def test_tag_claims(warehouse):
    assert rows(warehouse, "select tag, stated, actual, difference, deviation from rpt_tag_claims") == [
        ("conceptual", 8, 9, 1, 0.125),
        ("tradeoff", 2, 2, 0, 0.0),
        ("design", 1, 1, 0, 0.0),
        ("debug", 1, 1, 0, 0.0),
        ("coding", 1, 1, 0, 0.0),
        ("estimation", 1, 1, 0, 0.0),
    ]


def test_attribution_disagreements(warehouse):
    refs_line = line_of
    assert rows(warehouse, "select disagreement, subject, source_line from rpt_attribution_disagreements") == [
        ("attributed, no reference row", "GPT", 4),  # Radford et al. 2018/2019 (GPT/GPT-2): the fixture has no Radford row
        ("attributed, no reference row", "GPT-2", 4),
        ("question bank size differs", "Common GenAI Interview Questions", 5),  # 60 in the preamble, 58 in the table
        ("reference row, not attributed", GQA, refs_line("| GQA: Training")),
        ("reference row, not attributed", MAMBA, refs_line("| Mamba: Linear-Time")),
        ("reference row, not attributed", DPO, refs_line("| Direct Preference Optimization")),
        ("reference row, not attributed", STAR, refs_line("| STaR:")),
    ]


def test_the_reports_hold_every_section_and_two_charts(warehouse):
    reports = warehouse[1]
    page = (reports / "coverage.html").read_text(encoding="utf-8")
    assert page.count("data:image/png;base64,") == 2
    assert page.count('data-view="rpt_chapter_coverage"') == 8
    markdown = (reports / "coverage.md").read_text(encoding="utf-8")
    assert (
        "View `rpt_chapters_without_claims`: 1 rows." in markdown and "![tags-by-chapter](charts/tags-by-chapter.png)" in markdown
    )
    assert (reports / "charts" / "stated-vs-actual.png").read_bytes()[:4] == b"\x89PNG"


def test_aliases_parse_and_link_longest_first():
    from pipeline.warehouse.link import link_questions, parse_aliases

    refs = [{"ref_id": "r1", "title": "LoRA"}, {"ref_id": "r2", "title": "QLoRA"}, {"ref_id": "r3", "title": "ReAct"}]
    text = "ref_title,term\nLoRA,LoRA\nQLoRA,QLoRA\nReAct,ReAct\nGone paper,Gone\nLoRA,low-rank adaptation\n"
    aliases = parse_aliases(text, refs)
    assert [(a["term"], a["ref_id"], a["is_stale"]) for a in aliases] == [
        ("LoRA", "r1", False),
        ("QLoRA", "r2", False),
        ("ReAct", "r3", False),
        ("Gone", None, True),
        ("low-rank adaptation", "r1", False),
    ]
    questions = [
        {"question_id": "a", "text": "QLoRA vs LoRA?"},
        {"question_id": "b", "text": "How does the agent react? Gone."},
        {"question_id": "c", "text": "Explain Low-Rank Adaptation."},
        {"question_id": "d", "text": "LoRA-2 is not LoRA-based? And LLaMA 2."},
    ]
    assert [(found["question_id"], found["ref_id"], found["matched_term"]) for found in link_questions(questions, aliases)] == [
        ("a", "r2", "QLoRA"),
        ("a", "r1", "LoRA"),
        ("c", "r1", "low-rank adaptation"),
        ("d", "r1", "LoRA"),
    ]


@pytest.mark.parametrize(
    "text, line, message",
    [
        ("ref,term\n", 1, "the header must start with ref_title,term"),
        ("ref_title,term\nLoRA,\n", 2, "term is empty"),
        ("ref_title,term\nLoRA,LoRA\nQLoRA,LoRA\n", 3, "term 'LoRA' already names a reference on line 2"),
        ("ref_title,term\n,LoRA\n", 2, "ref_title is empty"),
    ],
)
def test_malformed_aliases_name_their_line(text, line, message):
    from pipeline.errors import InputError
    from pipeline.warehouse.link import parse_aliases

    with pytest.raises(InputError) as caught:
        parse_aliases(text, [{"ref_id": "r1", "title": "LoRA"}])
    assert (caught.value.line, caught.value.message) == (line, message)


def test_a_malformed_alias_file_stops_the_build_and_keeps_the_warehouse(tmp_path, warehouse):
    from helpers import snapshot

    bad = tmp_path / "aliases.csv"
    bad.write_text("ref_title,term\nLoRA: Low-Rank Adaptation of Large Language Models,\n", encoding="utf-8")
    from pipeline.errors import InputError
    from pipeline.warehouse import stage

    before = snapshot(warehouse[0])
    with pytest.raises(InputError) as refused:
        stage.run(warehouse[0], bad, GENERIC, warehouse[0].parent.parent.parent / "raw" / "verdict_history.csv")
    assert str(refused.value) == f"{bad}:2: term is empty"
    assert snapshot(warehouse[0]) == before


def test_a_failing_sql_model_names_its_file(tmp_path, warehouse):
    import shutil

    from pipeline import models as runner
    from pipeline.errors import InputError

    sql = tmp_path / "sql"
    shutil.copytree(ROOT / "pipeline" / "sql", sql)
    broken = sql / "intermediate" / "int_tag_claims.sql"
    broken.write_text(
        broken.read_text(encoding="utf-8").replace("t.stated_count as stated", "t.no_such_column as stated"), encoding="utf-8"
    )
    from pipeline import io
    from pipeline.schema import TABLES

    paths = {t.name: warehouse[0] / f"{t.name}.parquet" for t in TABLES}
    for t in TABLES:  # the fixture build ran no external stage: empty tables, as the warehouse stage does
        if not paths[t.name].exists():
            paths[t.name] = io.write_table([], t, tmp_path)
    with pytest.raises(InputError) as caught:
        runner.build(tmp_path / "w.duckdb", paths, sql)
    assert caught.value.path == str(broken) and "no_such_column" in caught.value.message


def test_the_tag_claims_verdict_allows_the_tolerance_the_checks_use():
    from pipeline.report.coverage import html_rows
    from pipeline.suites import load_suites, tolerance

    columns = ["tag", "stated", "actual", "deviation", "is_approximate"]
    rows = [
        ("design", 70, 80, 0.143, True),
        ("debug", 45, 44, 0.022, True),
        ("coding", 5, 6, 0.2, False),
        ("other", None, 3, None, None),
    ]
    verdicts = lambda allowed: [cells[-1] for cells in html_rows("rpt_tag_claims", columns, rows, {}, {}, allowed)[1]]  # noqa: E731
    assert verdicts(tolerance(load_suites(ROOT / "expectations"))) == ["OFF", "ok", "OFF", "—"]  # 10%, from appendix_claims.json
    assert verdicts(0.15) == ["ok", "ok", "OFF", "—"]  # an exact count is never allowed a deviation


@pytest.mark.parametrize(
    "titles",
    [
        ["Foundations", "Pretraining", "Mid-Training / Continued Pretraining (CPT)", "Post-Training",
         "Common Models & Benchmarks", "Inference & Compression", "Applications / Agents", "Taxonomy / Cross-Cutting Concepts"],
        [f"Retrieval-Augmented Generation and Long-Context Extension, part {i}" for i in range(1, 13)],
    ],
    ids=["the appendix's chapters", "twelve long titles"],
)  # fmt: skip
def test_the_heat_map_chapter_labels_never_overlap(titles):
    """#37: "4 Post-Training" ran into "5 Common Models" under the heat map (and at 800 px it was worse)."""
    from matplotlib.figure import Figure

    from pipeline.report import coverage

    rows = [(c, "design", 3, title) for c, title in enumerate(titles, start=1)]
    results = {"rpt_tag_claims": (["tag", "stated", "actual"], [("design", 10, 3 * len(titles))]),
               "rpt_tag_mix_chapter": (["chapter_id", "tag", "questions", "chapter_title"], rows)}  # fmt: skip
    coverage.charts(results)  # draws, fitting its labels
    figure = Figure(figsize=(9, 4.2))
    axes = figure.subplots()
    axes.imshow([[1] * len(titles)], aspect="auto")
    axes.set_xticks(range(len(titles)), [coverage.chapter_label(c, t) for c, t in enumerate(titles, 1)], fontsize=7)
    assert coverage.overlapping(figure, axes.get_xticklabels()) or len(titles) < 12  # unfitted, long labels collide
    coverage.fit_labels(figure, axes)
    assert not coverage.overlapping(figure, axes.get_xticklabels())
    assert axes.get_xticklabels()[0].get_fontsize() >= 6.0  # readable: shrunk to 6 pt at the least, else turned upright


def test_the_history_table_keeps_whose_verdict_an_undo_restored():
    from pipeline.warehouse.link import parse_verdict_history

    header = "written_at,reviewer,action,file,key,labels,verdict,previous_reviewer,previous_verdict"
    old = parse_verdict_history(header + "\n2026-12-01T10:00:00,ana,decide,duplicate_decisions,a|b,1.1 / 1.2,duplicate,,\n")
    assert old[0]["held_by"] is None and old[0]["verdict"] == "duplicate"  # a history from before the new columns
    new = parse_verdict_history(
        header + ",held_by,held_since,note,cut,session\n"
        "2026-12-01T10:05:00,bo,undo,duplicate_decisions,a|b,1.1 / 1.2,duplicate,bo,distinct,ana,2026-12-01T10:00:00,,,s1\n"
    )
    assert (new[0]["action"], new[0]["held_by"], new[0]["session"]) == ("undo", "ana", "s1")
