"""Inputs that hang, flood, collide or smuggle (issue: reliability, round three): each refused in one line, fast."""

import os
import shutil

import pytest

from helpers import FIXTURE_APPENDIX, REAL_APPENDIX, ingest_into, run_cli, snapshot, stage_cli, work_area
from pipeline import limits
from pipeline.errors import InputError
from pipeline.ingest.parse import parse_appendix

DECISIONS_HEADER = "question_id_a,question_id_b,verdict,reviewer,date,note\n"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    folder = tmp_path_factory.mktemp("limits") / "wh"
    ingest_into(FIXTURE_APPENDIX, folder)
    return folder


def dedup(warehouse, decisions, tmp_path):
    """Run `python -m pipeline dedup` on the fixture bank (the ids `warehouse` holds) with this decisions file."""
    return stage_cli("dedup", FIXTURE_APPENDIX, tmp_path, DECISIONS=decisions)


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "over-limit"])
def test_a_decisions_file_that_is_no_regular_file_or_too_large_is_refused_unread(tmp_path, warehouse, kind):
    path = {"fifo": tmp_path / "fifo.csv", "dev-zero": "/dev/zero", "over-limit": tmp_path / "big.csv"}[kind]
    if kind == "fifo":
        os.mkfifo(path)  # opening it for reading would block until a writer came: it must never be opened
    if kind == "over-limit":
        with open(path, "wb") as handle:
            handle.truncate(limits.CSV_MAX_BYTES + 1)  # sparse: costs no disk
    before = snapshot(warehouse)
    result = dedup(warehouse, path, tmp_path)
    expected = {
        "fifo": "is not a regular file (a FIFO, a device?): refused unread",
        "dev-zero": "is not a regular file (a FIFO, a device?): refused unread",
        "over-limit": f"is {limits.CSV_MAX_BYTES + 1:,} bytes, over the limit of {limits.CSV_MAX_BYTES:,} for any input (docs/reliability.md)",  # refused before a stage reads it
    }
    assert (result.returncode, result.stderr) == (2, f"error: {path}: {expected[kind]}\n")
    assert snapshot(warehouse) == before


def test_an_appendix_over_the_size_limit_is_refused_before_it_is_read(tmp_path):
    from pipeline import io

    big = tmp_path / "big.txt"
    big.write_bytes(b"x" * 1001)
    with pytest.raises(InputError) as caught:
        io.read_text(big, 1000, "the appendix")
    assert caught.value.message == "is 1,001 bytes, over the limit of 1,000 for the appendix (docs/reliability.md)"


def test_a_ten_megabyte_line_is_refused_naming_the_line_and_the_limit(tmp_path):
    text = FIXTURE_APPENDIX.read_text(encoding="utf-8").replace("- Explain LoRA.", "- Explain LoRA " + "x" * 10_000_000 + ".", 1)
    line = text.splitlines().index(next(row for row in text.splitlines() if row.startswith("- Explain LoRA "))) + 1
    source = tmp_path / "long.txt"
    source.write_text(text, encoding="utf-8")
    result = stage_cli("ingest", source, tmp_path)
    length = len(text.splitlines()[line - 1])
    assert (result.returncode, result.stderr) == (
        2,
        f"error: {source}:{line}: the line is {length:,} characters, over the limit of 10,000 (docs/reliability.md)\n",
    )


def test_a_question_over_the_question_limit_is_refused():
    text = FIXTURE_APPENDIX.read_text(encoding="utf-8").replace("- Explain LoRA.", "- Explain LoRA " + "y" * 2_000 + ".", 1)
    line = next(i for i, row in enumerate(text.splitlines(), start=1) if row.startswith("- Explain LoRA "))
    length = len(text.splitlines()[line - 1].removeprefix("- "))
    with pytest.raises(InputError) as caught:
        parse_appendix(text)
    assert (caught.value.line, caught.value.message) == (
        line,
        f"the question is {length:,} characters, over the limit of 2,000 (docs/reliability.md)",
    )


def test_a_bank_question_over_the_limit_makes_the_bank_unread_not_the_build_hang(tmp_path, warehouse):
    from pipeline.external.markdown import read_bank

    with pytest.raises(InputError, match="the question is 2,001 characters") as caught:
        read_bank("# Bank\n\n1. What is a token?\n2. " + "z" * 2_000 + "?\n", "numbered")
    assert caught.value.line == 4
    with pytest.raises(InputError, match="the line is 10,001 characters") as caught:
        read_bank("# Bank\n\n1. " + "z" * 9_997 + "?\n", "auto")
    assert caught.value.line == 3


def test_an_appendix_with_cr_only_line_ends_reads_as_the_same_appendix():
    text = FIXTURE_APPENDIX.read_text(encoding="utf-8")
    assert parse_appendix(text.replace("\n", "\r")) == parse_appendix(text)


def test_an_empty_bank_says_it_read_nothing(tmp_path):
    empty = tmp_path / "empty.md"
    empty.write_text("# Nothing here\n", encoding="utf-8")
    result = run_cli("external-preview", str(empty))
    assert result.returncode == 0 and "100%" not in result.stdout
    assert "  numbered: no items" in result.stdout


@pytest.mark.parametrize(
    "rows, line, message",
    [
        (
            'qa,qb,distinct,ana,2026-11-01,"a note that opens a quote\nqa,qc,duplicate,ana,2026-11-01,\nqb,qc,related,ana,2026-11-01,and ends here"\n',
            2,
            "a quoted field runs from line 2 to line 4: a quote opened and never closed? (a cell holds one line)",
        ),
        ("qa,qb,distinct,a\x00na,2026-11-01,\n", 2, "control character U+0000 in reviewer"),
        ("qa,qb,distinct,ana,2026-11-01,bell \x07\n", 2, "control character U+0007 in note"),
    ],
    ids=["unclosed-quote", "nul-in-reviewer", "bell-in-note"],
)
def test_a_decisions_file_never_changes_a_verdict_silently(rows, line, message):
    from pipeline.dedup.decisions import parse_decisions

    with pytest.raises(InputError) as caught:
        parse_decisions(DECISIONS_HEADER + rows, {"qa", "qb", "qc"})
    assert (caught.value.line, caught.value.message) == (line, message)


def test_a_tag_decision_whose_label_is_another_question_s_fails_the_stage(tmp_path, warehouse):
    import pyarrow.parquet as pq

    questions = pq.ParquetFile(warehouse / "questions.parquet").read().to_pylist()
    first, second = questions[0], questions[1]
    decisions = tmp_path / "tags.csv"
    decisions.write_text(
        f"question_id,label,verdict,reviewer,date,note\n{first['question_id']},{second['label']},keep,ana,2026-11-01,\n",
        encoding="utf-8",
    )
    result = stage_cli("tags", FIXTURE_APPENDIX, tmp_path, TAG_DECISIONS=decisions)
    assert result.returncode == 2
    assert result.stderr == (
        f"error: {decisions}:2: label '{second['label']}' is not the label of question {first['question_id']} "
        f"({first['label']}): which question is meant?\n"
    )


@pytest.mark.parametrize("query", ["select * from sniff_csv('/etc/passwd')", "select * from duckdb_secrets()"])
def test_a_refused_table_function_is_an_sql_error_not_a_bug(tmp_path, query):
    from helpers import build_warehouse

    warehouse, _ = build_warehouse(FIXTURE_APPENDIX, tmp_path)
    result = run_cli("sql", query, "--warehouse", str(warehouse))
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("error: query: Permission Error:") and "disabled by configuration" in result.stderr
    assert "unexpected" not in result.stderr


def test_an_appendix_without_its_references_fails_the_gate(tmp_path):
    text = REAL_APPENDIX.read_text(encoding="utf-8")
    source = tmp_path / "no_refs.txt"
    source.write_text(text[: text.index("\nReferences\n") + 1], encoding="utf-8")
    assert stage_cli("check", source, tmp_path).returncode == 0  # make all records the failure
    gate = run_cli("gate", "--reports", str(work_area(tmp_path)[1]))
    assert gate.returncode == 1
    assert "CRITICAL refs/refs-present" in gate.stdout


def test_the_appendix_limit_is_stated_and_refuses_a_40_mb_appendix_in_one_line(tmp_path):
    """#38 B8: a 40 MB appendix ran with no limit (1.6 GB a stage, past 300 s); it is refused before it is read."""
    from pipeline import limits

    assert limits.APPENDIX_MAX_BYTES == 16 * 2**20  # the figure docs/reliability.md states
    big = tmp_path / "appendix.txt"
    with open(big, "wb") as handle:
        handle.truncate(40 * 10**6)  # sparse: no 40 MB is written
    result = stage_cli("ingest", big, tmp_path)
    assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
    assert (
        result.stderr == f"error: {big}: is 40,000,000 bytes, over the limit of 16,777,216 for any input (docs/reliability.md)\n"
    )
    assert not (work_area(tmp_path)[0] / "questions.parquet").exists()


@pytest.mark.parametrize("stage", ["SOURCE", "ALIASES"])
def test_a_link_out_of_its_folder_is_refused_for_every_input(tmp_path, stage):
    """#38 B6: raw/appendix.txt → a file outside raw/ was read and its text published (quality.json, the database)."""
    secret = tmp_path / "secret.txt"
    secret.write_text("Chapter 1 — SECRET LINE\n", encoding="utf-8")
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "appendix.txt").symlink_to(secret)
    shutil.copy(FIXTURE_APPENDIX, raw / "inside.txt")
    (raw / "inside-link.txt").symlink_to("inside.txt")  # a link that stays inside raw/ is read as its file
    if stage == "SOURCE":
        result = stage_cli("ingest", raw / "appendix.txt", tmp_path)
    else:
        result = stage_cli("ingest", raw / "inside-link.txt", tmp_path, ALIASES=raw / "appendix.txt")
    assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith(f"error: {raw / 'appendix.txt'}: is a link to a file outside raw/")
    assert "SECRET" not in result.stdout + result.stderr
    assert not work_area(tmp_path)[0].exists() or not list(work_area(tmp_path)[0].glob("*.parquet"))
    assert stage_cli("ingest", raw / "inside-link.txt", tmp_path / "ok").returncode == 0
