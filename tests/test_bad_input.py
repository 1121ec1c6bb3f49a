"""Bad input: one clear line naming file (and line), exit 2, no traceback, the last good warehouse untouched."""

import pytest

from conftest import REAL_APPENDIX, run_cli, snapshot
from pipeline import io
from pipeline.ingest import stage


@pytest.fixture
def good_warehouse(tmp_path):
    warehouse = tmp_path / "warehouse"
    result = run_cli("ingest", "--source", str(REAL_APPENDIX), "--warehouse", str(warehouse))
    assert result.returncode == 0, result.stderr
    return warehouse


def write(path, data: bytes):
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    "make_source, expected",
    [
        (lambda d: write(d / "empty.txt", b""), "{p}: the appendix is empty"),
        (lambda d: write(d / "latin1.txt", "Chapter 1 — A\n1.1 B\n- Café?\n".encode("cp1252")), "{p}:1: not UTF-8 text (byte 0x97 at offset 10)"),
        (lambda d: write(d / "later.txt", b"Chapter 1 - A\n1.1 B\n- Caf\xe9?\n"), "{p}:3: not UTF-8 text (byte 0xe9 at offset 25)"),
        (lambda d: write(d / "notes.txt", b"Shopping list\n- eggs\n"), "{p}: no chapter heading (`Chapter N — Title`) found: is this the appendix?"),
        (lambda d: d / "missing.txt", "{p}: no such file"),
        (lambda d: d, "{p}: is a directory, not a file"),
    ],
    ids=["empty", "not-utf8-line-1", "not-utf8-line-3", "no-chapters", "missing", "directory"],
)
def test_bad_input_is_one_line_and_leaves_the_warehouse(tmp_path, good_warehouse, make_source, expected):
    before = snapshot(good_warehouse)
    source = make_source(tmp_path)
    result = run_cli("ingest", "--source", str(source), "--warehouse", str(good_warehouse))
    assert result.returncode == 2
    assert result.stderr == "error: " + expected.format(p=source) + "\n"
    assert "Traceback" not in result.stdout + result.stderr
    assert snapshot(good_warehouse) == before


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
    result = run_cli("ingest", "--source", str(REAL_APPENDIX), "--warehouse", str(blocker / "warehouse"))
    assert result.returncode == 1
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr
