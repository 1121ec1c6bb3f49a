"""The workbench server in-process: the token, the host, the calls it refuses, verdicts merged into the files, the
rebuild it runs after each change under raw/ (issue #23)."""

import http.client
import json
import shutil
import threading
import time
from pathlib import Path

import pytest

from helpers import FIXTURE_APPENDIX
from pipeline.schema import EDITORS_FILES

NAMES = {"DECISIONS": "duplicate_decisions", "TAG_DECISIONS": "tag_decisions", "EXTERNAL_BANKS": "external_banks",
         "ALIASES": "ref_aliases", "GENERIC_TERMS": "generic_terms", "VERDICT_HISTORY": "verdict_history"}  # fmt: skip


def raw_copy(folder):
    """Return the inputs of a bank laid out as raw/ is: the fixture appendix, empty editors' files."""
    raw = folder / "raw"
    raw.mkdir(parents=True)
    shutil.copy(FIXTURE_APPENDIX, raw / "appendix.txt")
    for declared in EDITORS_FILES:
        (raw / f"{declared.name}.csv").write_text(",".join(declared.columns) + "\n", encoding="utf-8")
    return {"SOURCE": str(raw / "appendix.txt")} | {k: str(raw / f"{v}.csv") for k, v in NAMES.items()}


@pytest.fixture(scope="module")
def workbench(tmp_path_factory):
    from pipeline.workbench import rebuild
    from pipeline.workbench.server import Workbench, serve

    folder = tmp_path_factory.mktemp("workbench")
    inputs = raw_copy(folder)
    builds, links = folder / ".warehouse-builds", (folder / "warehouse", folder / "reports")
    first = rebuild.run(set(inputs), inputs, builds, links, embeddings="off")
    assert first["error"] is None, first["log"]
    bench = Workbench(inputs, builds, links, embeddings="off")
    server = serve(bench, warm=False)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield bench, server.server_address[1], inputs
    bench.close()
    server.shutdown()


def request(port, method, path, body=None, token=None, host=None, kind="application/json"):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Host": host or f"127.0.0.1:{port}"}
    if token:
        headers["X-Workbench-Token"] = token
    if body is not None:
        headers["Content-Type"] = kind
    connection.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
    answer = connection.getresponse()
    return answer.status, answer.read().decode()


def ids(bench):
    return sorted(bench.questions, key=lambda i: bench.questions[i]["source_line"])


@pytest.mark.parametrize(
    "row, change, overwrites",
    [
        ({"reviewer": "ann", "verdict": "duplicate"}, {"verdict": "distinct"}, True),  # a colleague's other verdict
        ({"reviewer": "ann", "verdict": "duplicate"}, None, True),  # clearing a colleague's verdict
        ({"reviewer": "ann", "verdict": "duplicate"}, {"verdict": "duplicate"}, False),  # agreeing with it
        ({"reviewer": "bob", "verdict": "duplicate"}, {"verdict": "distinct"}, False),  # one's own, changed
        ({"reviewer": "bob", "verdict": "duplicate"}, None, False),  # one's own, cleared
        ({"verdict": "keep"}, {"verdict": "retag:debug"}, True),  # a verdict written by hand, no reviewer named
        ({"reviewer": "", "verdict": "keep"}, {"verdict": "keep"}, False),
    ],
)
def test_a_verdict_needs_confirming_only_over_a_colleagues_different_one(row, change, overwrites):
    """The rule under the 409 (`confirm`), for bob writing `change` over the file's `row`."""
    from pipeline.workbench.server import _overwrites

    assert _overwrites(row, change, "bob") is overwrites


@pytest.mark.parametrize(
    "row, pair",
    [({"question_id_a": "q2", "question_id_b": "q1"}, "q1|q2"), ({"question_id_a": " q1 ", "question_id_b": "q2\t"}, "q1|q2"),
     ({"question_id_a": "q1"}, "|q1"), ({}, "|")],
)  # fmt: skip
def test_a_pair_is_keyed_by_its_two_ids_in_order_and_a_question_by_its_id(row, pair):
    """The keys the verdict files are merged on: a pair's either way round, spaces a spreadsheet added ignored."""
    from pipeline.workbench.server import pair_key, tag_key

    assert pair_key(row) == pair
    question = {"question_id": row["question_id_a"]} if "question_id_a" in row else {}  # a row without one: no id
    assert tag_key(question) == row.get("question_id_a", "").strip()


def test_the_server_binds_localhost_and_checks_token_and_host(workbench):
    bench, port, _ = workbench
    assert request(port, "GET", "/duplicates.html")[0] == 403
    assert request(port, "GET", "/duplicates.html?token=wrong")[0] == 403
    assert request(port, "GET", f"/duplicates.html?token={bench.token}", host="evil.example:80")[0] == 403  # DNS rebinding
    status, page = request(port, "GET", f"/duplicates.html?token={bench.token}")
    assert status == 200 and '<script type="application/json" id="workbench">' in page
    assert request(port, "GET", f"/../raw/appendix.txt?token={bench.token}")[0] == 404  # never a path
    assert request(port, "GET", f"/quality.json?token={bench.token}")[0] == 404  # pages only


def test_calls_take_only_ids_of_the_build_and_fixed_verdicts(workbench):
    bench, port, _ = workbench
    a, b = ids(bench)[:2]
    call = lambda body, **k: request(port, "POST", "/api/pair", body, token=bench.token, **k)  # noqa: E731
    assert call({"a": a, "b": b, "verdict": "duplicate", "reviewer": "ana"}, kind="text/plain")[0] == 415  # a form cannot post
    assert call({"a": a, "b": "../../etc/passwd", "verdict": "duplicate", "reviewer": "ana"})[0] == 400
    assert call({"a": a, "b": b, "verdict": "rm -rf", "reviewer": "ana"})[0] == 400
    assert call({"a": a, "b": b, "verdict": "duplicate", "reviewer": ""})[0] == 400  # a verdict names who made it
    assert call({"a": a, "b": b, "verdict": "duplicate", "reviewer": "ana\x1b[31m"})[0] == 400
    assert (
        request(port, "POST", "/api/tag", {"question_id": a, "verdict": "retag:nonsense", "reviewer": "ana"}, token=bench.token)[
            0
        ]
        == 400
    )
    assert request(port, "POST", "/api/pair", {"a": a, "b": b, "verdict": "duplicate", "reviewer": "ana"})[0] == 403  # no token


def test_a_verdict_is_merged_into_the_file_undone_and_rebuilt(workbench):
    bench, port, inputs = workbench
    decisions = inputs["DECISIONS"]
    a, b, c = ids(bench)[:3]
    before = open(decisions, encoding="utf-8").read()
    generation = bench.state["generation"]
    status, answer = request(
        port, "POST", "/api/pair", {"a": a, "b": b, "verdict": "duplicate", "reviewer": "ana"}, token=bench.token
    )
    assert status == 200 and json.loads(answer)["written_ms"] < 1000
    text = open(decisions, encoding="utf-8").read()
    assert text.startswith(before.rstrip("\n")) and ",duplicate,ana," in text
    with open(decisions, "a", encoding="utf-8") as colleague:  # a colleague's row, written meanwhile
        colleague.write(f"{min(a, c)},{max(a, c)},related,bo,2026-11-30,\n")
    request(port, "POST", "/api/pair", {"a": b, "b": c, "verdict": "distinct", "reviewer": "ana"}, token=bench.token)
    text = open(decisions, encoding="utf-8").read()
    assert ",related,bo,2026-11-30," in text and ",distinct,ana," in text  # merged, never overwritten
    assert request(port, "POST", "/api/undo", {"reviewer": "ana"}, token=bench.token)[0] == 200
    assert ",distinct,ana," not in open(decisions, encoding="utf-8").read()
    deadline = time.monotonic() + 60
    while bench.state["generation"] == generation or bench.state["building"]:
        assert time.monotonic() < deadline, bench.state
        time.sleep(0.1)
    assert bench.state["error"] is None
    status, page = request(port, "GET", f"/duplicates.html?token={bench.token}")
    assert '"verdict": "duplicate", "reviewer": "ana"' in page  # the published page holds the verdict: no export


def test_closing_the_workbench_waits_for_its_watcher_so_nothing_reads_the_inputs_after(tmp_path, monkeypatch):
    """The bench closes the workbench and deletes its folder: a watcher still polling would build a bank that is gone."""
    from pipeline.workbench import server as module
    from pipeline.workbench.server import Workbench, serve

    monkeypatch.setattr(module, "POLL_S", 0.01)
    monkeypatch.setattr(Workbench, "read_questions", lambda self: {})  # no build needed: nothing is served here
    inputs = raw_copy(tmp_path)
    builds, links = tmp_path / ".warehouse-builds", (tmp_path / "warehouse", tmp_path / "reports")
    bench = Workbench(inputs, builds, links, embeddings="off")
    built = []
    monkeypatch.setattr(bench, "build", lambda changed, warming=False: built.append(changed))
    http_server = serve(bench, warm=False)
    bench.close()
    assert not bench.watcher.is_alive()
    Path(inputs["SOURCE"]).unlink()  # the folder goes: nobody looks any more
    time.sleep(0.1)
    assert built == []
    http_server.server_close()


def raw_request(port, data: bytes, wait: float = 30) -> bytes:
    """Send `data` as it is on one connection and return all the server answers before it closes (b'' for none)."""
    import socket

    with socket.create_connection(("127.0.0.1", port), timeout=wait) as connection:
        connection.sendall(data)
        answer = b""
        try:
            while chunk := connection.recv(65536):
                answer += chunk
        except (ConnectionResetError, TimeoutError):
            pass
    return answer


def posted(port, token, body: bytes, length: str) -> bytes:
    head = (
        f"POST /api/pair HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nX-Workbench-Token: {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n"
    )
    return head.encode() + body


@pytest.mark.parametrize(
    "body, length, status",
    [
        (b'{"a": 1}', "-1", b"400"),  # read(-1) read until the client closed: 300 MB were read (#38 B1)
        (b'{"a": 1}', "abc", b"400"),  # was no answer and a traceback (B2)
        (b'{"a": 1}', "+8", b"400"),
        (b"", str(10**9), b"413"),
        (b"[" * 30_000, "30000", b"400"),  # under 64 KiB, deeper than the parser's recursion (B2)
        (b'{"a": ' + b"[" * 17 + b"]" * 17 + b"}", str(6 + 34 + 1), b"400"),
    ],
)
def test_a_bad_length_or_a_deep_body_gets_a_json_refusal(workbench, body, length, status):
    bench, port, inputs = workbench
    before = open(inputs["DECISIONS"], encoding="utf-8").read()
    answer = raw_request(port, posted(port, bench.token, body, length))
    assert answer.startswith(b"HTTP/1.0 " + status) or answer.startswith(b"HTTP/1.1 " + status), answer[:200]
    assert b"application/json" in answer and b'"error"' in answer
    assert open(inputs["DECISIONS"], encoding="utf-8").read() == before


def test_a_half_sent_request_is_dropped_after_the_read_timeout(workbench):
    """A client that never finishes its headers or its body holds a thread for at most READ_TIMEOUT_S (B3)."""
    import socket

    from pipeline.workbench.server import READ_TIMEOUT_S

    bench, port, _ = workbench
    for partial in (b"GET /api/state HTTP/1.1\r\nHost: 127.0", posted(port, bench.token, b'{"a":', "100")):
        with socket.create_connection(("127.0.0.1", port), timeout=READ_TIMEOUT_S * 4) as connection:
            connection.sendall(partial)
            started = time.monotonic()
            try:
                while connection.recv(65536):
                    pass
            except ConnectionResetError:
                pass
            assert time.monotonic() - started < READ_TIMEOUT_S * 3  # closed by the server, not by our own timeout


def test_a_hundred_clients_at_once_are_all_answered(workbench):
    bench, port, _ = workbench
    first, second = ids(bench)[:2]
    answers, lock = [], threading.Lock()

    def client(number):
        try:
            status, _ = request(port, "POST", "/api/pair",
                                {"a": first, "b": second, "verdict": "related", "reviewer": f"r{number}", "confirm": True}, token=bench.token)  # fmt: skip
        except OSError as error:  # a reset connection: what a listen queue of 5 gave 25-62 of 100 clients
            status = repr(error)
        with lock:
            answers.append(status)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(100)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert answers.count(200) == 100, sorted(set(map(str, answers)))
    request(
        port, "POST", "/api/pair", {"a": first, "b": second, "verdict": None, "reviewer": "r", "confirm": True}, token=bench.token
    )


def test_a_verdict_that_cannot_be_written_is_a_5xx_with_the_reason_and_nothing_changes(workbench, monkeypatch):
    import os

    from pipeline.workbench import files

    bench, port, inputs = workbench
    a, b = ids(bench)[:2]
    path = inputs["DECISIONS"]
    before, mode = open(path, "rb").read(), os.stat(path).st_mode
    os.chmod(path, 0o444)  # a read-only verdict file: refused, even for root, whose rename would replace it
    try:
        status, answer = request(
            port, "POST", "/api/pair", {"a": a, "b": b, "verdict": "duplicate", "reviewer": "ana"}, token=bench.token
        )
    finally:
        os.chmod(path, mode)
    assert status == 500 and "read-only" in json.loads(answer)["error"], answer
    assert open(path, "rb").read() == before

    def unwritable(target, text):  # raw/ itself unwritable: the temporary file cannot be made
        raise PermissionError(13, "Permission denied", str(Path(target).with_name(".x.tmp")))

    monkeypatch.setattr(files, "replace_atomically", unwritable)
    status, answer = request(
        port, "POST", "/api/tag", {"question_id": a, "verdict": "keep", "reviewer": "ana"}, token=bench.token
    )
    assert status == 500 and "Permission denied" in json.loads(answer)["error"], answer
    assert open(path, "rb").read() == before


def test_two_editors_on_one_pair_are_told_and_each_undoes_only_their_own(workbench):
    """#37: A's y then B's n 0.3 s later left B's verdict in silence; A's z undid B's write; B's z removed the row."""
    bench, port, inputs = workbench
    a, b = ids(bench)[3:5]
    path = inputs["DECISIONS"]

    def pair(verdict, who, **more):
        return request(
            port, "POST", "/api/pair", {"a": a, "b": b, "verdict": verdict, "reviewer": who, **more}, token=bench.token
        )  # noqa: E731

    undo = lambda who: request(port, "POST", "/api/undo", {"reviewer": who}, token=bench.token)  # noqa: E731
    seen = len(bench.events)
    assert pair("duplicate", "ana")[0] == 200
    status, answer = pair("distinct", "bo")  # over ana's verdict: refused, ana's shown
    assert status == 409 and json.loads(answer)["conflict"] | {"date": ""} == {
        "key": "|".join(sorted((a, b))),
        "verdict": "duplicate",
        "reviewer": "ana",
        "date": "",
        "note": "",
    }
    assert ",duplicate,ana," in open(path, encoding="utf-8").read()
    assert pair("distinct", "bo", confirm=True)[0] == 200  # confirmed: bo's verdict replaces ana's, and it is said
    status, answer = undo("ana")  # ana's undo would remove bo's verdict: refused, naming bo
    assert status == 409 and "bo changed it since (distinct)" in json.loads(answer)["error"]
    assert ",distinct,bo," in open(path, encoding="utf-8").read()
    assert undo("bo")[0] == 200  # bo's undo brings back what bo replaced: ana's verdict, not an empty row
    assert ",duplicate,ana," in open(path, encoding="utf-8").read() and ",distinct,bo," not in open(path, encoding="utf-8").read()
    assert undo("bo")[0] == 409  # nothing more of bo's
    state = json.loads(request(port, "GET", f"/api/state?since={seen}", token=bench.token)[1])
    assert [(e["reviewer"], e["action"], e["verdict"], e["previous_reviewer"]) for e in state["events"]] == [
        ("ana", "decide", "duplicate", ""),
        ("bo", "decide", "distinct", "ana"),
        ("bo", "undo", "duplicate", "bo"),
    ]
    history = json.loads(request(port, "GET", "/api/history", token=bench.token)[1])["history"]
    assert [(h["reviewer"], h["action"], h["verdict"]) for h in history[:3]] == [
        ("bo", "undo", "duplicate"),
        ("bo", "decide", "distinct"),
        ("ana", "decide", "duplicate"),
    ]
    written = Path(path).with_name("verdict_history.csv").read_text(encoding="utf-8")
    assert written.startswith(
        "written_at,reviewer,action,file,key,labels,verdict,previous_reviewer,previous_verdict,held_by,held_since,note,cut,session\n"
    )  # widened once (#43): the verdict each event leaves, whole
    assert ",bo,decide,duplicate_decisions," in written and ",distinct,ana,duplicate," in written  # the overwritten one kept
    import duckdb

    deadline = time.monotonic() + 60
    while True:  # the warehouse of the rebuild after these writes holds the history too
        if not bench.state["building"] and bench.state["error"] is None:
            database = duckdb.connect(str(bench.links[0] / "questions.duckdb"), read_only=True)
            try:
                rows = database.sql(
                    "select reviewer, action, verdict, previous_reviewer from stg_verdict_history order by history_position"
                ).fetchall()
            finally:
                database.close()
            if rows[-3:] == [
                ("ana", "decide", "duplicate", None),
                ("bo", "decide", "distinct", "ana"),
                ("bo", "undo", "duplicate", "bo"),
            ]:
                break
        assert time.monotonic() < deadline, (bench.state, rows)
        time.sleep(0.2)
    pair(None, "ana")


def test_a_tab_survives_a_restart_and_a_stale_tab_gets_a_page(workbench, tmp_path):
    from pipeline.workbench.server import Workbench, session_token

    bench, port, inputs = workbench
    assert session_token(bench.builds) == bench.token  # a restart on this checkout reads the same token
    again = Workbench(inputs, bench.builds, bench.links, embeddings="off")
    assert again.token == bench.token and len(bench.token) >= 32
    assert (bench.builds / ".review-token").stat().st_mode & 0o077 == 0  # readable by its owner only
    assert session_token(tmp_path / "elsewhere") != bench.token  # another checkout, another token
    status, page = request(port, "GET", "/tag_audit.html?token=from-an-old-session")
    assert status == 403 and page.startswith("<!doctype html>") and "make review" in page and '"error"' not in page
    assert request(port, "GET", "/api/state?token=old")[0] == 403  # calls stay JSON
    assert request(port, "GET", "/favicon.ico")[0] == 204  # no console error on any page


def test_a_restart_takes_the_port_it_had_so_an_open_tab_s_address_still_holds(tmp_path):
    from pipeline.workbench.server import bound

    first = bound(tmp_path, 0)
    number = first.server_address[1]
    first.server_close()
    again = bound(tmp_path, 0)  # restarted: the same port, free again
    assert again.server_address[1] == number
    elsewhere = bound(tmp_path, 0)  # that port busy (the first still runs): another, and said so in the file
    assert elsewhere.server_address[1] != number and (tmp_path / ".review-port").read_text().strip() == str(
        elsewhere.server_address[1]
    )
    again.server_close()
    elsewhere.server_close()


def pair_call(bench, port, a, b, verdict, who, **more):
    body = {"a": a, "b": b, "verdict": verdict, "reviewer": who, **more}
    return request(port, "POST", "/api/pair", body, token=bench.token)


@pytest.mark.parametrize("name", ["@editor", "=1+1", "-b", "+c"])
def test_an_editor_named_like_a_formula_does_not_conflict_with_their_own_verdict(workbench, name):
    """#44: the file holds the spreadsheet-safe '@editor; the rule compared it with the typed name (409 on one's own)."""
    bench, port, inputs = workbench
    a, b = ids(bench)[5:7]
    assert pair_call(bench, port, a, b, "duplicate", name)[0] == 200
    assert f",'{name}," in open(inputs["DECISIONS"], encoding="utf-8").read()  # safe for a spreadsheet in the file
    status, answer = pair_call(bench, port, a, b, "related", name)
    assert status == 200, answer
    assert pair_call(bench, port, a, b, None, name)[0] == 200


def test_a_decisions_file_a_spreadsheet_saved_as_csv_utf8_takes_verdicts(workbench):
    """#44: a BOM made every verdict a 409 ("the header does not start with …"), though make all reads the file."""
    bench, port, inputs = workbench
    path = Path(inputs["DECISIONS"])
    kept = path.read_bytes()
    a, b = ids(bench)[7:9]
    a_colleague_s = f"{min(a, b)},{max(a, b)},related,bo,2026-11-30,\r\n".encode()
    path.write_bytes(b"\xef\xbb\xbfquestion_id_a,question_id_b,verdict,reviewer,date,note\r\n" + a_colleague_s)
    try:
        status, answer = pair_call(bench, port, a, b, "distinct", "ana", confirm=True)
        assert status == 200, answer
        written = path.read_bytes()
        assert written.startswith(b"\xef\xbb\xbfquestion_id_a,question_id_b,verdict,reviewer,date,note")  # the mark kept
        assert b",distinct,ana," in written and written.count(b"\r\n") == 2 and written.endswith(b"\r\n")
        assert b"\n" not in written.replace(b"\r\n", b"")  # one line end throughout: the spreadsheet's
    finally:
        path.write_bytes(kept)


@pytest.mark.parametrize(
    "field, value",
    [("note", "see\u2028below"), ("note", "a\u2029b"), ("reviewer", "ana\u2028"), ("reviewer", "a\u200bna"),
     ("reviewer", "an\u200da"), ("reviewer", "an\u2060a"), ("reviewer", "\ufeffana"), ("note", "x\u202ey")],
)  # fmt: skip
def test_a_separator_or_an_invisible_character_is_refused_with_the_reason_and_nothing_written(workbench, field, value):
    """#44: a note `see\\u2028below` was accepted, and three verdicts later the file had 5 rows, not 7, the note cut;
    a zero-width space made a name look like a colleague's."""
    bench, port, inputs = workbench
    a, b = ids(bench)[9:11]
    before = {name: Path(inputs[name]).read_bytes() for name in ("DECISIONS", "TAG_DECISIONS")}
    body = {"reviewer": "ana", "note": ""} | {field: value}
    status, answer = pair_call(bench, port, a, b, "related", body["reviewer"], note=body["note"])
    odd = next(c for c in value if not c.isascii())
    assert status == 400 and f"U+{ord(odd):04X}" in json.loads(answer)["error"], answer
    status, answer = request(port, "POST", "/api/tag", {"question_id": a, "verdict": "keep", **body}, token=bench.token)
    assert status == 400 and "U+" in json.loads(answer)["error"], answer
    assert {name: Path(inputs[name]).read_bytes() for name in before} == before


def test_a_retire_naming_its_own_pair_is_refused_not_made_a_silent_clear(workbench):
    """#44: 200, the row removed and the history saying `carry`."""
    bench, port, inputs = workbench
    a, b = ids(bench)[11:13]
    before = Path(inputs["DECISIONS"]).read_bytes()
    for retire in ([a, b], [b, a], [a, a]):
        status, answer = pair_call(bench, port, a, b, "duplicate", "ana", retire=retire)
        assert status == 400 and "retire" in json.loads(answer)["error"], answer
    assert Path(inputs["DECISIONS"]).read_bytes() == before


@pytest.mark.parametrize(
    "head, status",
    [
        ("GET /api/state?token=%C3%A9t%C3%A9 HTTP/1.1", b"403"),  # a non-ASCII token: the connection closed, no answer
        ("GET /api/state HTTP/1.1\r\nX-Workbench-Token: \u00e9t\u00e9", b"403"),
        ("GET /api/state?since=%C2%B2&token=TOKEN HTTP/1.1", b"400"),  # "²".isdigit() and int("²") fails: no answer
        ("GET /api/state?since=%D9%A3&token=TOKEN HTTP/1.1", b"400"),  # an Arabic-Indic three
        ("GET /api/state?since=-1&token=TOKEN HTTP/1.1", b"400"),
        ("PUT /api/pair?token=TOKEN HTTP/1.1", b"501"),  # http.server's own refusal: JSON too
        ("GET /api/state?token=TOKEN HTTP/1.1\r\nX-Other: \u00ff\u00fe", b"200"),
    ],
)
def test_every_refused_request_gets_a_status_and_a_json_reason(workbench, head, status):
    bench, port, _ = workbench
    data = (head.replace("TOKEN", bench.token) + f"\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n").encode()
    answer = raw_request(port, data)
    assert answer.split(b" ")[1] == status, answer[:300]
    assert b"application/json" in answer and (status == b"200" or b'"error"' in answer), answer[:300]


def written_state(inputs) -> dict:
    """Return the bytes of every file the workbench writes, and the names of every hidden file beside them."""
    raw = Path(inputs["DECISIONS"]).parent
    state = {name: Path(inputs[name]).read_bytes() for name in ("DECISIONS", "TAG_DECISIONS", "VERDICT_HISTORY")}
    return state | {"hidden": sorted(p.name for p in raw.iterdir() if p.name.startswith("."))}


def test_a_verdict_answered_5xx_changed_nothing_in_either_file(workbench, monkeypatch):
    """#44: with the history read-only or the disk full, the answer was 500 / 507 "not written", yet the decisions
    file held the new row and the history had no event (the decisions file was renamed into place first)."""
    import errno
    import os

    from pipeline.workbench import files

    bench, port, inputs = workbench
    a, b = ids(bench)[13:15]
    history = Path(inputs["VERDICT_HISTORY"])
    assert pair_call(bench, port, a, b, "related", "ana")[0] == 200  # a history to keep
    before, mode = written_state(inputs), history.stat().st_mode
    os.chmod(history, 0o444)
    try:
        status, answer = pair_call(bench, port, a, b, "duplicate", "ana")
    finally:
        os.chmod(history, mode)
    assert status == 500 and "verdict_history.csv" in json.loads(answer)["error"], answer
    assert written_state(inputs) == before

    replace = files.replace_atomically

    def disk_full_for_the_decisions(path, text):  # the journal and the history written, then the disk is full
        if Path(path).name == "duplicate_decisions.csv":
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return replace(path, text)

    monkeypatch.setattr(files, "replace_atomically", disk_full_for_the_decisions)
    status, answer = pair_call(bench, port, a, b, "distinct", "ana")
    assert status == 507 and "not written" in json.loads(answer)["error"], answer
    assert written_state(inputs) == before  # the history's event cut back, the journal gone
    monkeypatch.setattr(files, "replace_atomically", replace)
    assert request(port, "POST", "/api/undo", {"reviewer": "ana"}, token=bench.token)[0] == 200  # the related one
    assert f"{min(a, b)},{max(a, b)}," not in Path(inputs["DECISIONS"]).read_text(encoding="utf-8")


def held_call(bench, port, name, keys):
    status, answer = request(port, "POST", "/api/held", {"file": name, "keys": keys}, token=bench.token)
    assert status == 200, answer
    return json.loads(answer)["held"]


def test_a_page_is_told_what_the_file_holds_now_for_the_keys_it_asks(workbench):
    """#43 item 1: a page showed a verdict the file no longer held for 40 s (sent verdicts were dropped only when a
    build was published): the server answers what the file holds at once, a hand edit and an undo included."""
    bench, port, inputs = workbench
    a, b = ids(bench)[0], ids(bench)[5]
    key = "|".join(sorted((a, b)))
    assert held_call(bench, port, "duplicate_decisions", [key]) == {key: None}
    status, answer = pair_call(bench, port, a, b, "duplicate", "ana")
    assert status == 200 and json.loads(answer)["held"][key]["verdict"] == "duplicate"  # the answer says it too
    assert held_call(bench, port, "duplicate_decisions", [key])[key] | {"date": ""} == {
        "verdict": "duplicate", "reviewer": "ana", "date": "", "note": "", "cut": ""}  # fmt: skip
    status, answer = pair_call(bench, port, a, b, "distinct", "bo", confirm=True)
    assert held_call(bench, port, "duplicate_decisions", [key])[key]["reviewer"] == "bo"
    status, answer = request(port, "POST", "/api/undo", {"reviewer": "bo"}, token=bench.token)
    assert status == 200 and json.loads(answer)["held"][key]["reviewer"] == "ana"  # bo's undo: ana's verdict again
    assert held_call(bench, port, "duplicate_decisions", [key])[key]["verdict"] == "duplicate"  # before any rebuild
    path = Path(inputs["TAG_DECISIONS"])
    kept = path.read_bytes()
    a, b = ids(bench)[6:8]
    try:
        with open(path, "a", encoding="utf-8") as colleague:  # a hand edit: told on the next poll too
            colleague.write(f"{a},x,keep,cy,2026-12-01,\n")
        assert held_call(bench, port, "tag_decisions", [a, b]) == {
            a: {"verdict": "keep", "reviewer": "cy", "date": "2026-12-01", "note": "", "cut": ""},
            b: None,
        }
    finally:
        path.write_bytes(kept)
    assert held_call(bench, port, "tag_decisions", [a]) == {a: None}
    a, b = ids(bench)[0], ids(bench)[5]
    for body in ({"file": "../x", "keys": []}, {"file": "tag_decisions", "keys": "q1"}, {"file": "tag_decisions", "keys": [1]}):
        assert request(port, "POST", "/api/held", body, token=bench.token)[0] == 400
    pair_call(bench, port, a, b, None, "ana", confirm=True)


def test_an_undo_leaves_the_decisions_file_byte_for_byte_as_before_the_verdict(workbench):
    """#43 item 7: after y then z the row went, but the header kept the columns the verdict added (label_a, …,
    text_b): git showed the file changed though nothing was decided."""
    bench, port, inputs = workbench
    path = Path(inputs["DECISIONS"])
    kept = path.read_bytes()
    a, b = ids(bench)[0], ids(bench)[6]
    bare = b"question_id_a,question_id_b,verdict,reviewer,date,note\r\nq1,q2,related,bo,2026-11-30,  kept as typed \r\n"
    path.write_bytes(bare)
    try:
        assert pair_call(bench, port, a, b, "duplicate", "ana")[0] == 200
        assert b"label_a" in path.read_bytes()
        assert request(port, "POST", "/api/undo", {"reviewer": "ana"}, token=bench.token)[0] == 200
        assert path.read_bytes() == bare
    finally:
        path.write_bytes(kept)


def test_replaying_the_verdict_history_rebuilds_the_verdict_files(workbench):
    """#43 item 6: an undo row named who pressed z, not whose verdict it restored: the history could not rebuild
    the file. Every key this test touches ends in the files as the replayed history says."""
    from pipeline.workbench import files

    bench, port, inputs = workbench
    a, b, c, d = (ids(bench)[i] for i in (0, 8, 10, 12))
    undo = lambda who: request(port, "POST", "/api/undo", {"reviewer": who}, token=bench.token)  # noqa: E731
    assert pair_call(bench, port, a, b, "duplicate", "ana", note="same wording")[0] == 200
    assert pair_call(bench, port, a, b, "distinct", "bo", confirm=True)[0] == 200
    assert undo("bo")[0] == 200  # ana's duplicate again: the history must say it is ana's
    assert pair_call(bench, port, c, d, "duplicate", "bo", cut=max(c, d))[0] == 200
    assert pair_call(bench, port, b, c, "related", "ana")[0] == 200
    assert pair_call(bench, port, b, c, None, "ana")[0] == 200
    assert (
        request(
            port, "POST", "/api/tag", {"question_id": a, "verdict": "keep", "reviewer": "cy", "note": "fine"}, token=bench.token
        )[0]
        == 200
    )
    assert request(port, "POST", "/api/tag", {"question_id": b, "verdict": "keep", "reviewer": "cy"}, token=bench.token)[0] == 200
    assert undo("cy")[0] == 200
    history = Path(inputs["VERDICT_HISTORY"]).read_text(encoding="utf-8")
    undone = [row for _raw, row in files.records(history).rows if row and row["action"] == "undo"]
    assert undone[-2]["reviewer"] == "bo" and undone[-2]["held_by"] == "ana" and undone[-2]["note"] == "same wording"
    replay = files.replayed(history)
    for name, keys, columns in (
        (
            "duplicate_decisions",
            ["|".join(sorted(p)) for p in ((a, b), (c, d), (b, c))],
            ("verdict", "reviewer", "date", "note", "cut"),
        ),
        ("tag_decisions", [a, b], ("verdict", "reviewer", "date", "note")),
    ):
        text = Path(inputs["DECISIONS" if name == "duplicate_decisions" else "TAG_DECISIONS"]).read_text(encoding="utf-8")
        for k in keys:
            row = files.row_of(text, files.KEYS[name], k)
            assert (replay[name].get(k) and {c: replay[name][k][c] for c in columns}) == (
                row and {c: row.get(c, "") for c in columns}
            ), k
    assert replay["duplicate_decisions"]["|".join(sorted((c, d)))]["cut"] == max(c, d)
    for k in ("|".join(sorted((a, b))), "|".join(sorted((c, d)))):
        pair_call(bench, port, *k.split("|"), None, "ana", confirm=True)
    request(port, "POST", "/api/tag", {"question_id": a, "verdict": None, "reviewer": "cy"}, token=bench.token)


def test_the_same_verdict_over_a_colleague_s_keeps_theirs(workbench):
    """#43 item 8: bo's y over ana's y silently made bo its reviewer, without the confirmation the README promises."""
    bench, port, inputs = workbench
    a, b = ids(bench)[1], ids(bench)[9]
    path, history = Path(inputs["DECISIONS"]), Path(inputs["VERDICT_HISTORY"])
    assert pair_call(bench, port, a, b, "duplicate", "ana")[0] == 200
    before = path.read_bytes(), history.read_bytes()
    status, answer = pair_call(bench, port, a, b, "duplicate", "bo")
    assert status == 200 and json.loads(answer)["kept"]["reviewer"] == "ana", answer
    assert (path.read_bytes(), history.read_bytes()) == before  # nothing written: ana's stays ana's
    assert request(port, "POST", "/api/undo", {"reviewer": "bo"}, token=bench.token)[0] == 409  # nothing of bo's to undo
    status, answer = pair_call(bench, port, a, b, "duplicate", "bo", cut=min(a, b))  # another cut: a different verdict
    assert status == 409 and json.loads(answer)["conflict"]["reviewer"] == "ana"
    assert pair_call(bench, port, a, b, "duplicate", "bo", confirm=True)[0] == 200  # confirmed: bo's now
    assert ",duplicate,bo," in path.read_text(encoding="utf-8")
    pair_call(bench, port, a, b, None, "bo")


def test_undo_follows_the_editor_session_not_the_typed_name(workbench):
    """#43 item 9: identity was a typed name, so anyone who typed a colleague's name could undo their verdicts."""
    bench, port, inputs = workbench
    a, b = ids(bench)[1], ids(bench)[11]
    mine, theirs = "S" * 20, "T" * 20
    assert pair_call(bench, port, a, b, "related", "ana", session=mine)[0] == 200
    for body in ({"reviewer": "ana", "session": theirs}, {"reviewer": "ana"}):  # ana's name, another browser: refused
        assert request(port, "POST", "/api/undo", body, token=bench.token)[0] == 409
    assert ",related,ana," in Path(inputs["DECISIONS"]).read_text(encoding="utf-8")
    assert request(port, "POST", "/api/undo", {"reviewer": "ana", "session": mine}, token=bench.token)[0] == 200
    history = Path(inputs["VERDICT_HISTORY"]).read_text(encoding="utf-8")
    assert mine not in history
    from pipeline.workbench import files
    from pipeline.workbench.server import session_mark

    last = [row for _raw, row in files.records(history).rows if row][-1]
    assert last["action"] == "undo" and last["session"] == session_mark(mine) != ""  # recorded, never the id itself
    assert pair_call(bench, port, a, b, "related", "ana", session="short")[0] == 400


def test_each_editor_s_next_pair_is_one_no_other_editor_has_open(workbench):
    """#43 item 9: both editors started on the same pair in the same order, which invited collisions."""
    bench, port, _ = workbench

    def state(session, shown):
        answer = request(port, "GET", f"/api/state?since=0&session={session}&open={shown}", token=bench.token)
        return json.loads(answer[1])

    first, second = "A" * 20, "B" * 20
    assert state(first, "q1|q2")["taken"] == []
    assert state(second, "q1|q2")["taken"] == ["q1|q2"]  # opened first by the other: this page moves on
    assert state(first, "q1|q2")["taken"] == []  # the first keeps it
    assert state(second, "q3|q4")["taken"] == ["q1|q2"]
    assert state(first, "q5|q6")["taken"] == ["q3|q4"]
    assert request(port, "GET", "/api/state?since=0&session=x/y", token=bench.token)[0] == 400


def test_a_tag_verdict_made_before_a_rewording_is_carried_forward_and_its_stale_row_retired(workbench):
    """#43 item 5: the tag audit could not carry a verdict forward as the duplicate page does (`c`)."""
    bench, port, inputs = workbench
    question = ids(bench)[13]
    path = Path(inputs["TAG_DECISIONS"])
    kept = path.read_bytes()
    label = bench.questions[question]["label"]
    path.write_bytes(kept + f"qstale0000000001,{label},keep,ana,2026-12-01,before the rewording\n".encode())
    try:

        def tag(**body):
            return request(port, "POST", "/api/tag", {"question_id": question, "reviewer": "bo", **body}, token=bench.token)

        assert tag(verdict="keep", retire=question)[0] == 400  # its own row: not a carry
        assert tag(verdict="keep", retire=ids(bench)[0])[0] == 400  # a question of the build: not a stale row
        status, answer = tag(verdict="keep", retire="qstale0000000001")
        assert status == 200, answer
        text = path.read_text(encoding="utf-8")
        assert "qstale0000000001" not in text and f"{question},{label},keep,bo," in text
        assert ",bo,carry,tag_decisions," in Path(inputs["VERDICT_HISTORY"]).read_text(encoding="utf-8")
    finally:
        path.write_bytes(kept)
