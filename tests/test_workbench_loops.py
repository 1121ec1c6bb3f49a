"""Loops that close (issue #23): what the stages remember in-process, the edits to make, the questions that refer
back, the question to cut."""

import pandas as pd
import pytest

from pipeline.errors import InputError


def test_a_validation_is_run_again_only_when_its_frame_changed(monkeypatch):
    from pipeline.check import validate

    suite = {"name": "toy", "meta": {"frame": "toy"}, "expectations": [
        {"type": "expect_column_values_to_not_be_in_set", "kwargs": {"column": "status", "value_set": ["bad"]},
         "meta": {"check": "no-bad", "severity": "warning", "why": "none bad"}}]}  # fmt: skip
    frame = pd.DataFrame({"status": ["ok", "ok"], "source_line": [1, 2]})
    first = validate.validate([suite], {"toy": frame}, {})
    runs = validate._GX["runs"]
    assert validate.validate([suite], {"toy": frame.copy()}, {}) == first and validate._GX["runs"] == runs  # remembered
    changed = validate.validate([suite], {"toy": frame.assign(status=["ok", "bad"])}, {})
    assert validate._GX["runs"] == runs + 1 and not changed[0]["success"] and changed[0]["offending"] == [{"source_line": 2}]
    first[0]["success"] = "edited by a caller"
    assert validate.validate([suite], {"toy": frame}, {})[0]["success"] is True  # a caller's edit never reaches the memo


def test_a_question_that_leans_on_the_one_before_is_shown_with_it():
    from pipeline.dedup.report import refers_back

    assert refers_back("At 8K context, how much KV memory per sequence from that calculation?")
    assert refers_back("Given this design, where does it fail first?")
    assert not refers_back("What is that thing called attention, and why does it scale quadratically?")
    assert not refers_back("Compare MHA, MQA and GQA.")


def test_the_question_to_cut_must_be_one_of_a_duplicate_pair():
    from pipeline.dedup.decisions import parse_decisions

    header = "question_id_a,question_id_b,verdict,reviewer,date,note,cut\n"
    rows = parse_decisions(header + "qa,qb,duplicate,ana,2026-12-01,,qb\n", {"qa", "qb"})
    assert rows[0]["cut"] == "qb"
    with pytest.raises(InputError, match="cut 'qc'"):
        parse_decisions(header + "qa,qb,duplicate,ana,2026-12-01,,qc\n", {"qa", "qb"})
    with pytest.raises(InputError, match="the verdict is not duplicate"):
        parse_decisions(header + "qa,qb,distinct,ana,2026-12-01,,qa\n", {"qa", "qb"})


def test_tag_edits_name_the_tag_line_and_end_when_the_appendix_carries_the_tag():
    from pipeline.tags.report import view

    questions = [{"question_id": "q1", "label": "1.1.1", "text": "Why?", "section_id": "1.1", "source_line": 10, "tag_line": 11, "tag": "design"},
                 {"question_id": "q2", "label": "1.1.2", "text": "How?", "section_id": "1.1", "source_line": 11, "tag_line": 12, "tag": "debug"}]  # fmt: skip
    base = {"suggested_tag": "conceptual", "tag_probability": 0.1, "suggested_probability": 0.9, "suspect_rank": 1}
    rows = [{**base, "question_id": "q1", "label": "1.1.1", "tag": "design", "is_suspect": True, "verdict": "retag:conceptual"},
            {**base, "question_id": "q2", "label": "1.1.2", "tag": "debug", "is_suspect": True, "verdict": None, "suspect_rank": 2}]  # fmt: skip
    shown = view(questions, [{"section_id": "1.1", "title": "T"}], rows, [], [], 0.8)
    assert [(e["label"], e["line"], e["tag_line"], e["to"]) for e in shown["edits"]] == [
        ("1.1.1", 10, 11, "conceptual")
    ]  # question, tag line
    assert [s["label"] for s in shown["suspects"]] == ["1.1.2"]  # a decided suspect leaves the queue
    rows[0]["tag"] = "conceptual"  # the appendix now carries the new tag
    assert view(questions, [{"section_id": "1.1", "title": "T"}], rows, [], [], 0.8)["edits"] == []


def test_a_verdict_on_a_scored_pair_reuses_the_scoring_and_the_tables_equal_a_fresh_build(monkeypatch):
    """The workbench rebuilds after every verdict; dedup's scoring is kept by what it read (#33: a verdict reaches the
    published build sooner), and what it builds is what a fresh scoring builds."""
    import numpy as np

    from helpers import REAL_APPENDIX
    from pipeline.dedup import tables
    from pipeline.ingest.parse import parse_appendix

    questions = parse_appendix(REAL_APPENDIX.read_text(encoding="utf-8"))["questions"]
    calls = []
    real = tables.score_pair_columns
    monkeypatch.setattr(tables, "score_pair_columns", lambda *a, **k: calls.append(1) or real(*a, **k))
    tables._LAST_SCORED.clear()
    first = tables.duplicate_tables(questions, [])
    pairs = first["duplicate_pairs"]
    verdict = {
        "question_id_a": pairs["question_id_a"][0],
        "question_id_b": pairs["question_id_b"][0],
        "verdict": "distinct",
        "is_stale": False,
    }
    again = tables.duplicate_tables(questions, [verdict])  # a verdict on a pair already scored: no scoring
    assert len(calls) == 1
    tables._LAST_SCORED.clear()
    fresh = tables.duplicate_tables(questions, [verdict])
    assert len(calls) == 2
    for name, column in fresh["duplicate_pairs"].items():
        np.testing.assert_array_equal(np.asarray(column), np.asarray(again["duplicate_pairs"][name]), err_msg=name)  # NaN = NaN
    ids = [q["question_id"] for q in questions]
    scored = {frozenset(p) for p in zip(pairs["question_id_a"], pairs["question_id_b"])}
    a, b = next((x, y) for x in ids for y in ids if x < y and frozenset((x, y)) not in scored)
    far = {"question_id_a": a, "question_id_b": b, "verdict": "related", "is_stale": False}
    tables.duplicate_tables(questions, [verdict, far])  # a pair no candidate: it must be scored, so the scoring runs
    assert len(calls) == 3
