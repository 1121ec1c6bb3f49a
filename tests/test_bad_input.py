"""Bad input: one clear line naming file (and line), exit 2, no traceback, the last good warehouse untouched."""

import pytest

from helpers import REAL_APPENDIX, editors_files, outputs, run_cli, snapshot, stage_cli, work_area
from pipeline import io
from pipeline.ingest import stage


@pytest.fixture
def good_warehouse(tmp_path):
    result = stage_cli("ingest", REAL_APPENDIX, tmp_path)
    assert result.returncode == 0, result.stderr
    return work_area(tmp_path)[0]


def write(path, data: bytes):
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    "make_source, expected",
    [
        (lambda d: write(d / "empty.txt", b""), "{p}: the appendix is empty"),
        (
            lambda d: write(d / "latin1.txt", "Chapter 1 — A\n1.1 B\n- Café?\n".encode("cp1252")),
            "{p}:1: not UTF-8 text (byte 0x97 at offset 10)",
        ),
        (
            lambda d: write(d / "later.txt", b"Chapter 1 - A\n1.1 B\n- Caf\xe9?\n"),
            "{p}:3: not UTF-8 text (byte 0xe9 at offset 25)",
        ),
        (
            lambda d: write(d / "notes.txt", b"Shopping list\n- eggs\n"),
            "{p}: no chapter heading (`Chapter N — Title`) found: is this the appendix?",
        ),
        (lambda d: d / "missing.txt", "{p}: no such file"),
        (lambda d: d, "{p}: is a directory, not a file"),
    ],
    ids=["empty", "not-utf8-line-1", "not-utf8-line-3", "no-chapters", "missing", "directory"],
)
def test_bad_input_is_one_line_and_leaves_the_warehouse(tmp_path, good_warehouse, make_source, expected):
    before = outputs(good_warehouse)
    source = make_source(tmp_path)
    result = stage_cli("ingest", source, tmp_path)
    assert result.returncode == 2
    assert result.stderr == "error: " + expected.format(p=source) + "\n"
    assert "Traceback" not in result.stdout + result.stderr
    assert outputs(good_warehouse) == before


def test_a_write_that_fails_part_way_leaves_the_previous_tables(tmp_path, monkeypatch, good_warehouse):
    before = snapshot(good_warehouse)
    real_write = io.write_table
    written = []

    def failing_write(rows, table, folder):
        if len(written) == 3:
            raise OSError("disk full")
        written.append(table.name)
        return real_write(rows, table, folder)

    monkeypatch.setattr(io, "write_table", failing_write)
    with pytest.raises(OSError):
        stage.run(REAL_APPENDIX, good_warehouse)
    assert snapshot(good_warehouse) == before
    assert not list(good_warehouse.glob(".staging-*"))


def test_an_unwritable_warehouse_is_one_line(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    inputs = [f"{k}={v}" for k, v in editors_files(tmp_path / "raw").items()]
    result = run_cli("ingest", "--builds", str(blocker / "builds"), f"SOURCE={REAL_APPENDIX}", *inputs)
    assert result.returncode == 2  # as bad input: 1 is the gate's alone
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr


# --- the editors' CSV files and the banks' registry (issue: tracebacks and unconfined paths) ---------------------

DECISIONS_HEADER = "question_id_a,question_id_b,verdict,reviewer,date,note"


@pytest.mark.parametrize(
    "body, expected",
    [
        (
            DECISIONS_HEADER + "\rqa,qb,maybe,ana,2026-11-01,\r",
            "{p}:2: verdict 'maybe' is not one of duplicate, related, distinct",
        ),  # CR-only lines
        (
            DECISIONS_HEADER + "\nqa,qb,distinct,ana,2026-11-01," + "x" * 140_000 + "\n",
            "{p}:2: not readable as CSV: field larger than field limit (131072)",
        ),
    ],
    ids=["cr-only-line-ends", "field-over-131072"],
)
def test_an_unreadable_decisions_file_is_one_line(tmp_path, good_warehouse, body, expected):
    decisions = tmp_path / "decisions.csv"
    decisions.write_bytes(body.encode("utf-8"))
    result = stage_cli("dedup", REAL_APPENDIX, tmp_path, DECISIONS=decisions)
    assert (result.returncode, result.stderr) == (2, "error: " + expected.format(p=decisions) + "\n")


REGISTRY_HEADER = "bank_id,name,file,source,licence,layout,question_level,stated_as\n"


@pytest.mark.parametrize(
    "file, level, expected",
    [
        (
            "../../etc/passwd",
            "",
            "file '../../etc/passwd' of bank 'b' is outside raw/: a bank's file must be under the registry's folder",
        ),
        ("/etc/passwd", "", "file '/etc/passwd' of bank 'b' is outside raw/: a bank's file must be under the registry's folder"),
        ("fifo.md", "", "file 'fifo.md' of bank 'b' is not a regular file"),
        ("big.md", "", "file 'big.md' of bank 'b' is 125 bytes, over the limit of 100 (--max-bank-bytes)"),
        ("link.md", "", "file 'link.md' of bank 'b' is outside raw/: a bank's file must be under the registry's folder"),
        ("bank.md", "²", "question_level must be a heading level (1–6)"),
    ],
    ids=["parent-path", "absolute-path", "fifo", "over-size-limit", "link-out", "superscript-level"],
)
def test_a_registry_row_that_points_outside_raw_is_refused(tmp_path, capsys, good_warehouse, file, level, expected):
    import os

    from pipeline.errors import InputError
    from pipeline.external import stage as external

    raw = tmp_path / "raw"
    raw.mkdir(exist_ok=True)
    os.mkfifo(raw / "fifo.md")  # opening it would hang: it must never be opened
    (raw / "big.md").write_text("# T\n\n" + "1. What is it?\n" * 8, encoding="utf-8")
    (raw / "bank.md").write_text("# T\n\n1. What is it?\n", encoding="utf-8")
    (raw / "link.md").symlink_to("/etc/hostname")
    registry = raw / "external_banks.csv"
    registry.write_text(REGISTRY_HEADER + f"b,B,{file},s,MIT,numbered,{level},\n", encoding="utf-8")
    before = snapshot(good_warehouse)
    if level:  # the registry itself is malformed: nothing is read
        with pytest.raises(InputError) as refused:
            external.run(good_warehouse, registry, 100)
        assert str(refused.value) == f"{registry}:2: {expected}"
        assert snapshot(good_warehouse) == before
        return
    # a bank that cannot be read is refused with its row, recorded, and the stage goes on (make check fails on it)
    external.run(good_warehouse, registry, 100)
    assert capsys.readouterr().err == (
        f"warning: {registry}:2: {expected} (this bank is not read, the others are; make check fails on it)\n"
    )
    import pyarrow.parquet as pq

    (bank,) = pq.ParquetFile(good_warehouse / "external_banks.parquet").read().to_pylist()
    assert (bank["questions"], bank["error"]) == (0, expected)


def test_a_full_disk_names_the_folder(tmp_path, monkeypatch, good_warehouse):
    import errno

    from pipeline import io

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(io.tempfile, "mkdtemp", full)
    with pytest.raises(OSError) as caught:
        with io.staged_outputs(good_warehouse):
            pass
    assert (caught.value.filename, caught.value.strerror) == (str(good_warehouse), "No space left on device")


def test_a_leftover_scratch_folder_is_removed_but_a_running_stage_keeps_its_own(tmp_path):
    """Stages run side by side (make -j2) write into one folder: only a scratch folder nobody holds is a leftover."""
    import fcntl
    import os
    import time

    from pipeline import io

    killed, running, unlocked_old = tmp_path / ".staging-killed", tmp_path / ".staging-running", tmp_path / ".staging-old"
    for folder in (killed, running, unlocked_old):
        folder.mkdir()
    (killed / io.LOCK).touch()  # its process died: the lock it held went with it
    held = os.open(running / io.LOCK, os.O_CREAT | os.O_RDWR)
    fcntl.flock(held, fcntl.LOCK_EX)  # a stage still writing
    os.utime(unlocked_old, (time.time() - 600, time.time() - 600))  # made by an older version, long ago
    try:
        with io.staged_outputs(tmp_path) as scratch:
            (scratch / "out.txt").write_text("ok")
    finally:
        os.close(held)
    assert not killed.exists() and not unlocked_old.exists() and running.exists()
    assert (tmp_path / "out.txt").read_text() == "ok" and not (tmp_path / io.LOCK).exists()
