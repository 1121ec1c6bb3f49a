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
         "ALIASES": "ref_aliases", "GENERIC_TERMS": "generic_terms"}  # fmt: skip


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
    assert request(port, "POST", "/api/undo", {}, token=bench.token)[0] == 200
    assert ",distinct,ana," not in open(decisions, encoding="utf-8").read()
    deadline = time.monotonic() + 60
    while bench.state["generation"] == generation or bench.state["building"]:
        assert time.monotonic() < deadline, bench.state
        time.sleep(0.1)
    assert bench.state["error"] is None
    status, page = request(port, "GET", f"/duplicates.html?token={bench.token}")
    assert '"verdict": "duplicate", "reviewer": "ana"' in page  # the published page holds the verdict: no export


def test_the_rebuild_plan_runs_what_each_input_feeds():
    from pathlib import Path

    from pipeline.workbench.rebuild import plan

    inputs = {k: f"raw/{k}" for k in ("SOURCE", *NAMES)}
    first = lambda changed: [step[0] for step in plan(changed, inputs, Path("w"), Path("h"))]  # noqa: E731
    assert first({"DECISIONS"}) == ["dedup", "check", "warehouse", "report", "changes"]
    assert first({"TAG_DECISIONS"}) == ["tags", "check", "warehouse", "report", "changes"]
    assert first({"ALIASES"}) == ["warehouse", "report", "changes"]
    assert first({"SOURCE"}) == ["ingest", "overlap", "tags", "check", "warehouse", "report", "changes"]
    assert first(set()) == []


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
