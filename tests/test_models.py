"""The SQL models keep their layers (jaffle-shop's rule): every table has its staging view, and the intermediate and
report models read only staging and intermediate views (or their own CTEs), never a table."""

import re

import pytest

from helpers import ROOT
from pipeline.schema import TABLES

SQL = ROOT / "pipeline" / "sql"


def _names(sql: str) -> set[str]:
    return set(re.findall(r"\b(?:from|join)\s+(\w+)", sql, re.IGNORECASE))


def read_names(sql: str) -> set[str]:
    """Return the names a model reads (after `from` or `join`) that are not CTEs it defined before reading them.

    Scoped as SQL scopes them: a CTE's body sees only the CTEs above it (not itself: `questions as (select * from
    questions)` reads the table), the final select sees them all. Each CTE ends at a `)` alone at the line's start.
    """
    reads, defined, position = set(), set(), 0
    for header in re.finditer(r"^(\w+) as \(", sql, re.MULTILINE):
        end = sql.find("\n)", header.end())
        end = len(sql) if end < 0 else end
        reads |= _names(sql[position : header.start()]) - defined
        reads |= _names(sql[header.end() : end]) - defined
        defined.add(header.group(1))
        position = end
    return reads | (_names(sql[position:]) - defined)


def layer_violations(sql: str) -> set[str]:
    return {name for name in read_names(sql) if not name.startswith(("stg_", "int_"))}


def test_every_table_has_its_staging_view():
    assert {t.name for t in TABLES} <= {path.stem.removeprefix("stg_") for path in (SQL / "staging").glob("stg_*.sql")}


@pytest.mark.parametrize(
    "path", sorted((SQL / "intermediate").glob("*.sql")) + sorted((SQL / "reports").glob("*.sql")), ids=lambda p: p.stem
)
def test_intermediate_and_report_models_read_only_staging_and_intermediate(path):
    assert layer_violations(path.read_text(encoding="utf-8")) == set()


def test_the_rule_catches_a_model_reading_a_table():
    assert layer_violations(
        "with\n\nclaims as (\n    select * from int_tag_claims\n)\n\nselect * from claims join questions using (tag)"
    ) == {"questions"}
    assert layer_violations("with\n\ntags as (\n    select * from stg_tags\n)\n\nselect * from tags") == set()
    # a table read behind a CTE of its own name (#38): the CTE is not yet defined inside its own body
    assert layer_violations("with\n\nquestions as (\n    select * from questions\n)\n\nselect * from questions") == {"questions"}
    assert layer_violations(
        "with\n\nfirst as (\n    select * from stg_tags\n),\n\nsecond as (\n    select * from first join tags using (tag)\n)\n\n"
        "select * from second"
    ) == {"tags"}


def test_the_check_and_the_report_read_one_definition_of_the_tag_claims():
    report = (SQL / "reports" / "rpt_tag_claims.sql").read_text(encoding="utf-8")
    assert read_names(report) == {"int_tag_claims"} and "deviation" not in report.split("select tag")[0]
    frames = (ROOT / "pipeline" / "check" / "frames.py").read_text(encoding="utf-8")
    assert (
        'query_model(tables, "int_tag_claims"' in frames
        and "value_counts" not in frames.split("def tag_claims_frame")[1].split("\ndef ")[0]
    )


def test_the_warehouse_says_verdict_as_the_editors_files_do_and_suspects_carry_label_and_line():
    """#37: `duplicate_pairs.decision` where the CSV says `verdict`; `tag_suspects` had no line, so every query joined."""
    from pipeline.schema import editors_file, table

    for name, editors in (("duplicate_pairs", "duplicate_decisions"), ("tag_suspects", "tag_decisions")):
        columns = table(name).column_names
        assert "verdict" in columns and "decision" not in columns and "verdict" in editors_file(editors).columns
    assert {"label", "source_line"} <= set(table("tag_suspects").column_names)
    staging = (SQL / "staging" / "stg_tag_suspects.sql").read_text(encoding="utf-8")
    assert "verdict" in staging and "source_line" in staging and "decision" not in staging


def test_the_metrics_count_a_tag_suspect_undecided_until_an_editor_gives_a_verdict():
    """rpt_metrics over a tag_suspects table of four rows, in memory (no build): three suspects, one of them decided
    on each side (keep, retag) and one undecided; a question that is no suspect counts in neither."""
    import pandas as pd

    from pipeline.models import LAYERS, query_model

    suspects = pd.DataFrame(
        [
            {"question_id": "q1", "is_suspect": True, "verdict": None},
            {"question_id": "q2", "is_suspect": True, "verdict": "keep"},
            {"question_id": "q3", "is_suspect": True, "verdict": "retag:debug"},
            {"question_id": "q4", "is_suspect": False, "verdict": None},
        ]
    )
    rows = query_model({"tag_suspects": suspects}, "rpt_metrics", SQL, layers=LAYERS)
    values = {row["metric"]: row["value"] for row in rows if row["tag"] is None}
    assert (values["tag suspects"], values["undecided tag suspects"]) == (3, 1)
