"""The quality gate: every expectation has a mutation of the appendix (or of a table) that makes it fail.

The baseline is the real appendix with its wrong claims corrected, so that every expectation passes;
each mutation then must fail exactly the expectations named, and the summary must name the line to fix.
"""

import json

import pandas as pd
import pytest

from helpers import ROOT, ingest_into, run_cli, stage_cli, work_area
from pipeline import paths
from pipeline.check import stage
from pipeline.ingest.parse import parse_appendix
from pipeline.suites import load_suites

SUITES = load_suites(ROOT / "expectations")
CORRECTIONS = [  # the real appendix's false claims, set right (see the README's "What the appendix claims")
    ("- Conceptual: ~150", "- Conceptual: ~170"),
    ("- Tradeoff: ~85", "- Tradeoff: ~69"),
    ("- Estimation: ~15", "- Estimation: ~12"),
    ("- Coding: ~5 (referenced", "- Coding: ~0 (referenced"),
    ("Radford et al. 2018/2019 (GPT/GPT-2)", "Radford et al. 2019 (GPT-2)"),
    ("(DeepSeek V2/V3/R1)", "(DeepSeek V2/R1)"),
    ("; OpenAI Cookbook (github.com/openai/openai-cookbook)", ""),
    (
        "Community Forums & Reports: Reddit r/MachineLearning, r/LocalLLaMA, r/learnmachinelearning; Hacker News; Blind (FAANG interview threads); LeetCode Discuss.",
        "Community Forums & Reports:",
    ),
]


def tables_of(text: str) -> dict[str, pd.DataFrame]:
    from pipeline.schema import TABLES

    parsed = parse_appendix(text)
    return {t.name: pd.DataFrame(parsed[t.name], columns=t.column_names) for t in TABLES if t.stage == "ingest"}


def failing(report: dict) -> set[str]:
    return {o["check"] for o in report["outcomes"] if not o["success"]}


@pytest.fixture(scope="module")
def clean_text(real_text):
    text = real_text
    for before, after in CORRECTIONS:
        assert before in text, before
        text = text.replace(before, after)
    return text


def mutate(text: str, line_no: int, new_lines: list[str]) -> str:
    """Return `text` with line `line_no` (1-based) replaced by `new_lines`."""
    lines = text.split("\n")
    lines[line_no - 1 : line_no] = new_lines
    return "\n".join(lines)


def renumber_chapter_8_as_9(text: str) -> str:
    """Return `text` with chapter 8 and its sections numbered 9: the chapter numbers skip 8."""
    for line_no, new in [
        (452, "Chapter 9 — Taxonomy / Cross-Cutting Concepts"),
        (453, "9.1 Key Distinctions"),
        (460, "9.2 Common Confusions"),
        (470, "9.3 End-to-End Design"),
        (476, "9.4 Cross-Chapter Integration (Advanced)"),
    ]:
        text = mutate(text, line_no, [new])
    return text


def test_the_corrected_appendix_passes_every_expectation(clean_text):
    report = stage.evaluate(tables_of(clean_text), SUITES)
    assert failing(report) == set()
    assert report["passed"] == len(report["outcomes"]) == sum(len(s["expectations"]) for s in SUITES)


def test_the_real_appendix_fails_only_the_two_warnings_it_earns(real_text):
    report = stage.evaluate(tables_of(real_text), SUITES)
    assert failing(report) == {"stated-tag-counts", "attributed-works-referenced"}
    assert report["critical_failed"] == 0 and report["warnings"] == 2
    deviations = {c["tag"]: (c["stated"], c["actual"], c["deviation"]) for c in report["tag_claims"]}
    assert deviations == {
        "conceptual": (150, 170, 0.1333),
        "tradeoff": (85, 69, 0.1882),
        "design": (70, 73, 0.0429),
        "debug": (45, 44, 0.0222),
        "estimation": (15, 12, 0.2),
        "coding": (5, 0, 1.0),
    }


MUTATIONS = [
    # (check that must fail [and any the mutation necessarily breaks too], line edited, replacement lines, line in summary)
    ({"tag-valid"}, 14, ["[tradeof] - What is byte-level BPE (BBPE) and why is it better for multilingual models?"], 13),
    ({"tag-present"}, 26, [], 25),  # the lone [debug] line after the section's last question, deleted
    ({"stated-figures"}, 26, ["[debug] - What is a brand-new question?", "[design]"], 485),  # a question added
    ({"stated-figures"}, 484, ["Total: 370 questions"], 484),
    (
        {"text-unique"},
        14,
        ["[tradeoff] - Why do modern LLMs use subword tokenization instead of word-level or character-level?"],
        12,
    ),
    (
        {"text-unique"},
        15,
        ["[conceptual] - what is Byte-Level BPE (bbpe) and why is it better for multilingual models?"],
        14,
    ),  # a repeat differing only in case: the check reads the folded key, not the text as written
    (
        {"no-stray-tag"},
        12,
        ["- Why do modern LLMs use subword tokenization instead of word-level or character-level? [tradeoff]"],
        12,
    ),
    ({"text-not-empty"}, 14, ["[tradeoff] -"], 14),
    ({"section-in-chapter"}, 173, ["9.3 The Stability Gap"], 174),
    ({"section-numbers-consecutive"}, 93, ["1.8 Architecture"], 93),
    ({"section-not-empty"}, 107, ["1.8 An empty section", "Chapter 2 — Pretraining"], 107),
    ({"section-id-unique", "section-numbers-consecutive"}, 27, ["1.1 Embeddings"], 27),
    (
        {"chapter-id-unique", "chapter-numbers-consecutive"},
        452,
        ["Chapter 8 — Taxonomy", "Chapter 8 — Taxonomy / Cross-Cutting Concepts"],
        453,
    ),
    ({"chapter-numbers-consecutive"}, None, renumber_chapter_8_as_9, 452),
    (
        {"every-line-placed"},
        12,
        ["- Why do modern LLMs use subword tokenization instead", "of word-level or character-level?"],
        13,
    ),
    ({"stated-tag-declared"}, 490, ["- Coding: ~0", "- Trivia: ~0"], 491),
    ({"declared-tag-stated"}, 488, [], 9),
    (
        {"ref-chapter-exists"},
        545,
        ["| Retrieval-Augmented Generation for Knowledge-Intensive NLP Tasks | Lewis et al. | 2020 | Ch 9 (RAG) |"],
        545,
    ),
    ({"stated-tag-counts"}, 488, ["- Debug: ~30"], 488),
    ({"attributed-works-referenced"}, None, lambda text: text.replace("Hu et al. 2021 (LoRA)", "Hu et al. 2020 (LoRA-X)"), 4),
    (
        {"ref-row-unique"},
        545,
        ["| Retrieval-Augmented Generation for Knowledge-Intensive NLP Tasks | Lewis et al. | 2020 | Ch 7 (RAG) |"] * 2,
        545,
    ),
    (
        {"every-line-placed"},
        None,
        lambda text: text + "\nChapter 9 — Appended\n9.1 More\n- What is new?\n[design]\n",
        564,
    ),  # after References
    (
        {"every-line-placed", "ref-row-unique"},
        None,
        lambda text: text + "\n" + text,
        564,
    ),  # a second copy: its reference rows repeat
    (
        {"every-line-placed"},
        12,
        ["- Why do modern LLMs use subword\x00 tokenization instead of word-level or character-level?"],
        12,
    ),  # a NUL byte
    (
        {"bank-counts-agree"},
        553,
        [
            "| MLStack.cafe — LLMs Interview Questions (58 Qs) | mlstack.cafe/interview-questions/llms | Transformer architecture |"
        ],
        5,
    ),
]


@pytest.mark.parametrize(
    "expected, line_no, new_lines, reported_line", MUTATIONS, ids=[sorted(m[0])[0] + f"@{m[1] or m[3]}" for m in MUTATIONS]
)
def test_each_mutation_fails_exactly_its_expectations(clean_text, expected, line_no, new_lines, reported_line):
    mutated = new_lines(clean_text) if callable(new_lines) else mutate(clean_text, line_no, new_lines)
    assert mutated != clean_text
    report = stage.evaluate(tables_of(mutated), SUITES)
    assert failing(report) == expected
    summary = stage.summary(report)
    first = sorted(expected)[0]
    block = summary.split(f"/{first}:", 1)[1]
    assert f"line {reported_line}:" in block.split("\n", 3)[1] + block.split("\n", 3)[2], summary


CONTRACT = [  # keys the parser guarantees by construction: guarded for the warehouse, failed by editing a table
    ("question-id-present", "questions", lambda t: t.assign(question_id=[None] + list(t["question_id"][1:]))),
    ("question-id-unique", "questions", lambda t: t.assign(question_id=[t["question_id"][1]] + list(t["question_id"][1:]))),
    ("section-exists", "questions", lambda t: t.assign(section_id=["9.9"] + list(t["section_id"][1:]))),
    ("ref-id-unique", "refs", lambda t: pd.concat([t, t.head(1)], ignore_index=True)),
]


@pytest.mark.parametrize("check, table, edit", CONTRACT, ids=[c[0] for c in CONTRACT])
def test_warehouse_contract_checks_fail_on_an_edited_table(clean_text, check, table, edit):
    tables = tables_of(clean_text)
    tables[table] = edit(tables[table])
    assert check in failing(stage.evaluate(tables, SUITES))


def test_tolerance_is_set_in_one_place_and_can_be_overridden(real_text):
    tables = tables_of(real_text)
    assert stage.evaluate(tables, SUITES)["tolerance"] == 0.10
    loose = stage.evaluate(tables, SUITES, tolerance_override=0.25)
    assert [c["tag"] for c in loose["tag_claims"] if c["deviation"] > c["allowed_deviation"]] == ["coding"]


def test_cli_gate_exit_codes_and_outputs(tmp_path, clean_text):
    source = tmp_path / "a.txt"
    source.write_text(
        mutate(clean_text, 14, ["[tradeof] - What is byte-level BPE (BBPE) and why is it better for multilingual models?"]),
        encoding="utf-8",
    )
    recorded = stage_cli("check", source, tmp_path)
    assert recorded.returncode == 0  # make all: records, does not stop
    reports = work_area(tmp_path)[1]
    gated = run_cli("gate", "--reports", str(reports))  # make check: the gate on the build's quality.json
    assert gated.returncode == 1
    assert "CRITICAL questions/tag-valid" in gated.stdout and "line 13: " in gated.stdout and "tradeof" in gated.stdout
    quality = json.loads((reports / "quality.json").read_text())
    assert [o["check"] for o in quality["outcomes"] if not o["success"] and o["severity"] == "critical"] == ["tag-valid"]
    assert "Calculating Metrics" not in recorded.stdout + recorded.stderr + gated.stdout + gated.stderr


def test_the_quality_page_shows_check_ids_lines_and_escapes_values(tmp_path, clean_text):
    source, warehouse, reports = tmp_path / "a.txt", tmp_path / "wh", tmp_path / "rep"
    source.write_text(
        mutate(clean_text, 14, ["[<script>alert(1)</script>] - What is byte-level BPE (BBPE) and why is it better?"]),
        encoding="utf-8",
    )
    ingest_into(source, warehouse)
    stage.run(warehouse, paths.EXPECTATIONS, reports)
    page = (reports / "quality.html").read_text(encoding="utf-8")
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "questions/tag-valid" in page and "CRITICAL" in page and "<td>13</td>" in page
    assert not list(reports.glob("data_docs*"))  # GX's Data Docs (CDN assets, values unescaped) are no longer written


def test_strict_fails_on_warnings(tmp_path):
    from helpers import REAL_APPENDIX

    warehouse, reports = tmp_path / "wh", tmp_path / "rep"
    ingest_into(REAL_APPENDIX, warehouse)
    stage.run(warehouse, paths.EXPECTATIONS, reports)
    assert run_cli("gate", "--reports", str(reports)).returncode == 0
    assert run_cli("gate", "--reports", str(reports), "--strict").returncode == 1


def test_a_malformed_suite_is_one_line(tmp_path):
    (tmp_path / "bad.json").write_text('{"name": "x", "expectations": [{"type": "expect_x", "kwargs": {}, "meta": {}}]}')
    from pipeline.errors import InputError

    with pytest.raises(InputError) as refused:
        stage.run(tmp_path / "wh", tmp_path, tmp_path / "r")
    assert (
        str(refused.value) == f"{tmp_path / 'bad.json'}: expectation 1 needs meta.check and meta.severity (critical or warning)"
    )


def external_tables(
    stated: int, actual: int, numbers: list[int], share: float = 1.0, warnings=None, error=None
) -> dict[str, pd.DataFrame]:
    banks = pd.DataFrame(
        [
            {
                "bank_id": "b",
                "questions": actual,
                "stated_count": stated,
                "stated_line": 5,
                "registry_line": 2,
                "layout_used": "numbered",
                "question_like_share": share,
                "warnings": warnings,
                "error": error,
            }
        ]
    )
    steps = [n - p for n, p in zip(numbers, [0] + numbers[:-1])]
    questions = pd.DataFrame(
        [
            {"bank_id": "b", "source_line": 10 + i, "section": "S", "number": n, "text": f"q{n}", "number_step": s}
            for i, (n, s) in enumerate(zip(numbers, steps))
        ]
    )
    return {"external_banks": banks, "external_questions": questions}


@pytest.mark.parametrize(
    "stated, actual, numbers, extra, expected, reported_line",
    [
        (60, 60, [1, 2, 3], {}, set(), None),
        (60, 62, [1, 2, 3], {}, {"external-bank-size"}, 5),
        (3, 3, [1, 3, 4], {}, {"external-numbering"}, 11),
        (3, 3, [1, 2, 2], {}, {"external-numbering"}, 12),  # a gap, a repeat
        (3, 3, [1, 2, 3], {"share": 0.2}, {"external-items-look-like-questions"}, 2),
        (3, 3, [1, 2, 3], {"warnings": "line 15: a numbered heading at level 3"}, {"external-layout-clean"}, 2),
        (3, 3, [1, 2, 3], {"error": "no question found"}, {"external-bank-read"}, 2),
    ],
)
def test_external_bank_checks(clean_text, stated, actual, numbers, extra, expected, reported_line):
    tables = tables_of(clean_text) | external_tables(stated, actual, numbers, **extra)
    report = stage.evaluate(tables, SUITES)
    assert failing(report) == expected
    if expected:
        block = stage.summary(report).split(f"/{sorted(expected)[0]}:", 1)[1]
        assert f"line {reported_line}:" in block.split("\n", 2)[1]


def test_an_undecided_flagged_duplicate_is_a_warning_naming_the_earlier_line(clean_text):
    from pipeline.dedup.tables import duplicate_tables
    from pipeline.schema import table

    tables = tables_of(clean_text)
    questions = tables["questions"].to_dict("records")
    pairs = duplicate_tables(questions, [], embeddings=None)["duplicate_pairs"]  # lexical: no model needed
    tables["duplicate_pairs"] = pd.DataFrame({c: pairs[c] for c in table("duplicate_pairs").column_names})
    report = stage.evaluate(tables, SUITES)
    assert failing(report) == {"flagged-duplicates-reviewed"}
    (outcome,) = [o for o in report["outcomes"] if o["check"] == "flagged-duplicates-reviewed"]
    assert (
        outcome["severity"] == "warning"
        and stage.exit_code(report, strict=False) == 0
        and stage.exit_code(report, strict=True) == 1
    )
    rows = [(o["label_a"], o["label_b"], o["source_line"]) for o in outcome["offending"]]
    assert ("1.3.14", "5.1.4", 55) in rows  # the earlier question first, with its line
    assert [r[2] for r in rows] == sorted(r[2] for r in rows)
    decided = tables["duplicate_pairs"].assign(status=lambda t: t["status"].where(~t["is_flagged"], "confirmed duplicate"))
    assert "flagged-duplicates-reviewed" not in failing(stage.evaluate({**tables, "duplicate_pairs": decided}, SUITES))


def test_two_chapters_with_one_number_fail_critically_naming_both_headings(clean_text):
    """#38 B8: a second `Chapter 2` passes ingest (it is a readable heading); the gate names both lines, critically."""
    lines = clean_text.split("\n")
    first = next(i for i, line in enumerate(lines) if line.startswith("Chapter 2 "))
    second = next(i for i, line in enumerate(lines) if line.startswith("Chapter 3 "))
    lines[second] = lines[second].replace("Chapter 3 ", "Chapter 2 ", 1)
    report = stage.evaluate(tables_of("\n".join(lines)), SUITES)
    outcome = next(o for o in report["outcomes"] if o["check"] == "chapter-id-unique")
    assert not outcome["success"] and outcome["severity"] == "critical"
    block = stage.summary(report).split("/chapter-id-unique:", 1)[1].split("\nCRITICAL", 1)[0]
    assert f"line {first + 1}:" in block and f"line {second + 1}:" in block, block
