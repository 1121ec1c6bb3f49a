"""Verdicts merged into the editors' files: untouched rows keep their bytes, a concurrent edit is merged, undo works."""

import pytest

from pipeline.errors import InputError
from pipeline.workbench import files

HEADER = ("question_id", "label", "verdict", "reviewer", "date", "note")
KEY = lambda row: row["question_id"]  # noqa: E731
TEXT = (
    "question_id,label,verdict,reviewer,date,note\r\n"
    'q1,1.1.1,keep,Ana,2026-11-30,"kept, after a look"\r\n'
    "q2,1.1.2,retag:design,Bo,2026-11-30,\r\n"
)


def test_a_change_replaces_its_row_in_place_and_keeps_every_other_byte():
    text, before = files.merged(
        TEXT,
        HEADER,
        KEY,
        {"q2": {"question_id": "q2", "label": "1.1.2", "verdict": "keep", "reviewer": "Cy", "date": "2026-12-01"}},
    )
    lines = text.splitlines(keepends=True)
    assert lines[:2] == TEXT.splitlines(keepends=True)[:2]  # the header and q1, CRLF and quotes as they were
    assert lines[2] == "q2,1.1.2,keep,Cy,2026-12-01,\r\n" and len(lines) == 3  # the file's own line end
    assert before == {"q2": dict(zip(HEADER, ["q2", "1.1.2", "retag:design", "Bo", "2026-11-30", ""]))}  # its undo


def test_a_new_row_is_appended_and_undo_restores_the_file_as_it_was():
    text, before = files.merged(
        TEXT, HEADER, KEY, {"q3": {"question_id": "q3", "verdict": "keep", "reviewer": "Cy", "date": "2026-12-01"}}
    )
    assert text.endswith("q3,,keep,Cy,2026-12-01,\r\n") and before == {"q3": None}
    assert files.merged(text, HEADER, KEY, before)[0] == TEXT
    changed, before = files.merged(TEXT, HEADER, KEY, {"q1": None})
    assert "q1," not in changed  # removed; put back (at the end: the server restores the file whole when it is unchanged)
    assert sorted(files.merged(changed, HEADER, KEY, before)[0].splitlines()) == sorted(TEXT.splitlines())


def test_a_row_a_colleague_added_meanwhile_is_kept():
    colleague = TEXT + "q9,2.1.1,keep,Di,2026-12-01,\n"
    text, _ = files.merged(
        colleague, HEADER, KEY, {"q3": {"question_id": "q3", "verdict": "keep", "reviewer": "Cy", "date": "2026-12-01"}}
    )
    assert "q9,2.1.1,keep,Di,2026-12-01,\n" in text and "q3," in text


def test_cells_are_neutralised_for_spreadsheets_and_optional_columns_are_added():
    text, _ = files.merged(
        TEXT, HEADER, KEY, {"q4": {"question_id": "q4", "verdict": "keep", "reviewer": "=HYPERLINK(1)", "date": "d", "cut": "q4"}}
    )
    assert text.splitlines()[0] == "question_id,label,verdict,reviewer,date,note,cut"
    assert text.splitlines()[-1] == "q4,,keep,'=HYPERLINK(1),d,,q4"


def test_a_file_with_another_header_is_not_written():
    with pytest.raises(InputError, match="header"):
        files.merged("a,b\n1,2\n", HEADER, KEY, {"q1": None})


def test_the_file_is_replaced_in_one_rename(tmp_path):
    path = tmp_path / "tag_decisions.csv"
    path.write_text(TEXT, encoding="utf-8", newline="")
    inode = path.stat().st_ino
    files.replace_atomically(path, "new\n")
    assert path.read_text(encoding="utf-8") == "new\n" and path.stat().st_ino != inode
    assert [p.name for p in tmp_path.iterdir()] == ["tag_decisions.csv"]  # no temporary file left


# One reader for a spreadsheet's file and ours (#44): each case is a file a spreadsheet or an editor could save.
SHEETS = {
    "LF": TEXT.replace("\r\n", "\n"),
    "CRLF": TEXT,
    "CR alone": TEXT.replace("\r\n", "\r"),
    "a spreadsheet's CSV UTF-8 (BOM)": "\ufeff" + TEXT,
    "no line end at the end": TEXT.removesuffix("\r\n"),
    "a note holding U+2028": TEXT.replace("kept, after a look", "see\u2028below"),
    "a note holding U+2029": TEXT.replace("kept, after a look", "a\u2029b"),
}


@pytest.mark.parametrize("case", SHEETS)
def test_every_row_is_kept_and_the_new_one_added_whatever_wrote_the_file(case):
    text = SHEETS[case]
    new = {"q3": {"question_id": "q3", "label": "1.1.3", "verdict": "keep", "reviewer": "Cy", "date": "2026-12-01"}}
    written, _ = files.merged(text, HEADER, KEY, new)
    rows = [row for _, row in files.records(written).rows if row]
    assert [row["question_id"] for row in rows] == ["q1", "q2", "q3"], written
    assert rows[0]["note"] == [row for _, row in files.records(text).rows if row][0]["note"]  # the note is whole
    assert written.startswith(text.removesuffix("\r\n"))  # the BOM, the line ends, every byte before the new row kept
    newline = "\r" if case == "CR alone" else "\n" if case == "LF" else "\r\n"
    assert written.endswith("q3,1.1.3,keep,Cy,2026-12-01," + newline)


@pytest.mark.parametrize("case", SHEETS)
def test_the_workbench_reads_a_file_as_make_all_does(case):
    from pipeline.csvrows import csv_records

    pipeline_rows = [row for _, row in csv_records(SHEETS[case], HEADER)]
    assert [row for _, row in files.records(SHEETS[case]).rows if row] == pipeline_rows


@pytest.mark.parametrize("name", ["@editor", "=1+1", "-b", "+c", "'quoted", "plain"])
def test_a_name_is_read_as_written_not_as_its_spreadsheet_safe_cell(name):
    written, _ = files.merged(TEXT, HEADER, KEY, {"q3": {"question_id": "q3", "verdict": "keep", "reviewer": name}})
    assert files.row_of(written, KEY, "q3")["reviewer"] == name


def test_a_control_a_spreadsheet_wrote_does_not_split_its_row():
    """make all refuses the file, naming the cell; the workbench must not cut the row there meanwhile."""
    text = TEXT.replace("kept, after a look", "a\x85b\x0cc\x1ed")
    written, _ = files.merged(text, HEADER, KEY, {"q3": {"question_id": "q3", "verdict": "keep", "reviewer": "Cy"}})
    assert written.startswith(text) and len([row for _, row in files.records(written).rows if row]) == 3


@pytest.mark.parametrize(
    "start, text",
    [
        ("", "written_at,reviewer\nt1,ana\n"),  # a history not made yet: its header first
        ("written_at,reviewer\n", "t1,ana\n"),
        ("written_at,reviewer\r\nt0,bo\r\n", "t1,ana\r\n"),  # a spreadsheet's line end kept
        ("\ufeffwritten_at,reviewer\r\n", "t1,ana\r\n"),
    ],
)
def test_a_history_event_is_appended_with_the_file_s_line_end(start, text):
    assert files.history_addition(start, ("written_at", "reviewer"), [{"written_at": "t1", "reviewer": "ana"}]) == text


@pytest.mark.parametrize(
    "names, left",
    [
        ([".verdict_history.csv.100.tmp", ".duplicate_decisions.csv.200.tmp"], [".verdict_history.csv.100.tmp"]),
        ([".verdict-journal.json.100.tmp", ".tag_decisions.csv.300.tmp"], [".verdict-journal.json.100.tmp"]),
        (["duplicate_decisions.csv", ".raw-writers.lock", ".x.abc.tmp", "x.100.tmp"], []),  # not a writer's temporary
    ],
)
def test_a_dead_writer_s_temporary_files_are_found_a_live_one_s_kept(names, left):
    from pipeline.workbench.journal import stale_temporaries

    assert stale_temporaries(names, alive=lambda pid: pid != 100) == left
