"""The interactive SQL session, driven in a pseudo-terminal as a person would: type, see, recall, cancel, leave."""

import pytest

from helpers import REAL_APPENDIX, ROOT, build_warehouse

pexpect = pytest.importorskip("pexpect")


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    return build_warehouse(REAL_APPENDIX, tmp_path_factory.mktemp("sql"))[0]


def session(warehouse, history):
    import sys

    child = pexpect.spawn(
        sys.executable,
        ["-m", "pipeline", "sql", "--warehouse", str(warehouse), "--history", str(history)],
        cwd=str(ROOT),
        env={"PYTHONPATH": str(ROOT), "TERM": "xterm", "PATH": "/usr/bin:/bin"},
        encoding="utf-8",
        timeout=30,
        dimensions=(40, 100),
    )
    child.expect_exact("sql> ")
    return child


def test_a_query_is_answered_at_once_as_a_box_table(warehouse, tmp_path):
    child = session(warehouse, tmp_path / "history")
    child.sendline("select tag, count(*) as n from questions group by tag order by n desc limit 2;")
    child.expect_exact("│ conceptual │")  # the result shows before the session ends
    child.expect_exact("sql> ")
    child.sendline("select null as nothing;")
    child.expect_exact("NULL")
    child.sendline("select * from questons;")
    child.expect_exact('Did you mean "questions"?')  # DuckDB's whole message, hint included
    child.sendline(".schema tags")
    child.expect_exact("stated_count")
    child.sendeof()
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_history_is_kept_and_recalled_with_the_up_arrow(warehouse, tmp_path):
    history = tmp_path / "history"
    child = session(warehouse, history)
    child.sendline("select 41 + 1 as answer;")
    child.expect_exact("42")
    child.expect_exact("sql> ")
    child.sendline(".quit")
    child.expect(pexpect.EOF)
    assert "select 41 + 1 as answer;" in history.read_text()
    child = session(warehouse, history)  # a new session remembers the last one
    child.send("\x1b[A")  # Up
    child.send("\r")
    child.expect_exact("42")
    child.sendline(".quit")
    child.expect(pexpect.EOF)


def test_ctrl_c_cancels_the_line_and_the_session_goes_on(warehouse, tmp_path):
    child = session(warehouse, tmp_path / "history")
    child.send("select 'half a query")
    child.expect_exact("half a query")  # readline has the line
    child.sendintr()
    child.expect_exact("sql> ")  # the line is dropped and a new prompt comes
    child.sendline("select 7 * 6 as product;")
    child.expect_exact("42")
    child.sendline(".quit")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
