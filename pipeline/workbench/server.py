"""`make review`: the editors' workbench, a local server over the published pages whose files stay the truth.

Built on the standard library's `http.server` (ThreadingHTTPServer): it serves a handful of pages and three JSON
calls to one person on one machine, so a framework would add a dependency and nothing we use (docs/review.md).

- Bound to 127.0.0.1 only, on a free port unless `--port`; it prints its address and opens nothing by itself.
- Every request carries the session's token (random, printed once): pages in `?token=`, calls in a header. The
  Host header must name this address (a page of another site cannot reach it through DNS rebinding), and a call
  must be JSON (a form of another site cannot send one).
- The browser sends a pair of question ids or one question id, a verdict from a fixed list, a reviewer's name and
  a note: never a path, SQL or a command. Ids must be the current build's.
- A verdict is merged into raw/duplicate_decisions.csv or raw/tag_decisions.csv at once (files.py: rows it does not
  touch keep their bytes, the file as it is on disk is merged, one rename). The watcher sees every change under
  raw/ (the server's own writes and an editor's edit of the appendix alike), waits for a quiet moment, and rebuilds
  in-process (rebuild.py); the pages poll the build's state and reload their data when it is published.
"""

import datetime
import errno
import http.server
import json
import re
import secrets
import sys
import threading
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from pipeline import io
from pipeline.csvrows import CONTROL
from pipeline.schema import REPORT_FILES, editors_file, table
from pipeline.workbench import files, rebuild

QUIET_S = 0.15  # the watcher waits this long without a change before it builds (verdicts typed fast share a build)
POLL_S = 0.05
MAX_BODY = 64 * 1024
MAX_DEPTH = 16  # a call's JSON nests two levels; a deeper body is refused before it is parsed
READ_TIMEOUT_S = 5  # a client that sends its headers or body slower than this is dropped (a thread is never held)
BACKLOG = 128  # connections the OS queues while every thread is busy: 100 clients at once are all answered
MAX_THREADS = 64  # threads answering at once; further connections wait in the backlog
PAGES = {report.name for report in REPORT_FILES if report.name.endswith(".html")}
PAIR_VERDICTS = ("duplicate", "related", "distinct")
TEXT_LIMIT = 500
ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")  # a question id as the stages make them (never a path)


def pair_key(row: dict) -> str:
    a, b = row.get("question_id_a", "").strip(), row.get("question_id_b", "").strip()
    return "|".join(sorted((a, b)))


def tag_key(row: dict) -> str:
    return row.get("question_id", "").strip()


class Refused(Exception):
    """A request the workbench does not serve: its status and one line saying why."""

    def __init__(self, status: int, why: str):
        super().__init__(why)
        self.status, self.why = status, why


def clean_text(value, what: str, required: bool = False) -> str:
    """Return a reviewer's name or note as given; Refused for a control character, a long text or a missing one."""
    text = "" if value is None else str(value).strip()
    if required and not text:
        raise Refused(400, f"{what} is empty: type your name first")
    if len(text) > TEXT_LIMIT or CONTROL.search(text):
        raise Refused(400, f"{what} holds a control character or is over {TEXT_LIMIT} characters")
    return text


class Workbench:
    """The state the server's threads share: the session, the inputs, the current build, the writes to undo."""

    def __init__(self, inputs: dict[str, str], builds: Path, links: tuple[Path, Path], embeddings: str = "auto"):
        for name in ("DECISIONS", "TAG_DECISIONS"):  # a temporary file a killed writer left beside a decisions file
            for left in Path(inputs[name]).parent.glob(f".{Path(inputs[name]).name}.*.tmp"):
                left.unlink(missing_ok=True)
        self.token = secrets.token_urlsafe(24)
        self.inputs, self.builds, self.links, self.embeddings = inputs, Path(builds), links, embeddings
        self.lock = threading.Lock()  # one writer at a time in this process (files.locked: across processes)
        self.undo: list[tuple] = []  # (file, header, its text after the write, the rows before, its text before)
        self.state = {"building": False, "error": None, "generation": self.generation(), "last_build_s": None, "builds": 0}
        self.questions = self.read_questions()
        self.stop = threading.Event()
        self.watcher: threading.Thread | None = None  # started by serve()

    # ---- the build ------------------------------------------------------------------------------------------------
    def generation(self) -> str | None:
        current = self.builds / "current"
        return current.resolve().name if current.is_symlink() else None

    def read_questions(self) -> dict[str, dict]:
        try:
            rows = io.read_rows(table("questions"), self.links[0])
        except (OSError, ValueError):
            return {}
        return {q["question_id"]: q for q in rows}

    def watched(self) -> dict[str, tuple]:
        """Return each input's state (inode, size, modification time); the bank files under raw/ count as the registry."""
        out = {}
        for name, path in self.inputs.items():
            folder = Path(path).parent if name == "EXTERNAL_BANKS" else None
            candidates = [Path(path)] + (sorted(p for p in (folder / "external").rglob("*") if p.is_file()) if folder else [])
            state = []
            for candidate in candidates:
                try:
                    info = candidate.stat()
                    state.append((str(candidate), info.st_ino, info.st_size, info.st_mtime_ns))
                except OSError:
                    state.append((str(candidate), None))
            out[name] = tuple(state)
        return out

    def watch(self, warm: bool = True) -> None:
        """Rebuild in the background whenever an input changes, once it has been quiet for QUIET_S; first (`warm`),
        build everything once in this process, so that the stages' imports and remembered work are ready."""
        seen = self.watched()
        if warm:
            self.build(set(self.inputs), warming=True)
        while not self.stop.is_set():
            time.sleep(POLL_S)
            now = self.watched()
            if now == seen:
                continue
            while not self.stop.is_set():  # wait for a quiet moment: a burst of verdicts is one build
                time.sleep(QUIET_S)
                later = self.watched()
                if later == now:
                    break
                now = later
            if self.stop.is_set():  # closing: the inputs may be going away with their folder
                return
            changed = {name for name in now if now[name] != seen.get(name)}
            seen = now
            self.build(changed)

    def close(self, wait: float = 30.0) -> None:
        """Stop the watcher and wait for it (a build under way ends first), so nothing reads the inputs after this."""
        self.stop.set()
        if self.watcher is not None:
            self.watcher.join(wait)

    def build(self, changed: set[str], warming: bool = False) -> dict:
        self.state.update(building=True, changing=["(warming up)"] if warming else sorted(changed))
        result = rebuild.run(changed, self.inputs, self.builds, self.links, self.embeddings)
        self.questions = self.read_questions() if result["error"] is None else self.questions
        self.state.update(
            building=False,
            error=result["error"],
            generation=result["generation"] or self.state["generation"],
            last_build_s=round(result["seconds"], 3),
            builds=self.state["builds"] + 1,
        )
        said = (
            result["error"]
            or f"{', '.join(sorted(changed))} changed: published {result['generation']} in {result['seconds']:.2f} s"
        )
        sys.stderr.write(f"review: {said}\n")
        return result

    # ---- the verdicts ---------------------------------------------------------------------------------------------
    def write(self, name: str, key, changes: dict[str, dict | None]) -> float:
        """Merge `changes` into raw/<name>.csv (as Make's inputs name it); return the milliseconds it took."""
        started = time.perf_counter()
        declared = editors_file(name)
        path = Path(self.inputs["DECISIONS" if name == "duplicate_decisions" else "TAG_DECISIONS"])
        with self.lock, files.locked(self.builds / ".raw-writers.lock"):
            text = path.read_text(encoding="utf-8") if path.exists() else ""
            try:
                after, before = files.merged(text, declared.columns, key, changes)
            except Exception as error:  # noqa: BLE001 - a file the merge cannot read: said, never half-written
                raise Refused(409, f"{path.name}: {error}") from None
            files.replace_atomically(path, after)
            self.undo.append((path, ",".join(declared.columns), after, before, text))
        return (time.perf_counter() - started) * 1000

    def undo_last(self) -> dict:
        with self.lock, files.locked(self.builds / ".raw-writers.lock"):
            if not self.undo:
                raise Refused(409, "nothing to undo in this session")
            path, header, after, before, text_before = self.undo.pop()
            now = path.read_text(encoding="utf-8") if path.exists() else ""
            key = pair_key if path == Path(self.inputs["DECISIONS"]) else tag_key
            restored = text_before if now == after else files.restored(now, tuple(header.split(",")), key, before)
            files.replace_atomically(path, restored)
        return {"undone": sorted(before)}

    def pair_verdict(self, body: dict) -> dict:
        a, b = str(body.get("a", "")), str(body.get("b", ""))
        if a == b or a not in self.questions or b not in self.questions:
            raise Refused(400, "a pair needs two question ids of the current build")
        verdict = body.get("verdict")
        if verdict is not None and verdict not in PAIR_VERDICTS:
            raise Refused(400, f"verdict must be one of {', '.join(PAIR_VERDICTS)} (or null to clear it)")
        row = None
        if verdict is not None:
            first, second = sorted((a, b))
            cut = str(body.get("cut") or "")
            if cut and (cut not in (first, second) or verdict != "duplicate"):
                raise Refused(400, "the question to cut must be one of a duplicate pair")
            qa, qb = self.questions[first], self.questions[second]
            row = {"question_id_a": first, "question_id_b": second, "verdict": verdict,
                   "reviewer": clean_text(body.get("reviewer"), "reviewer", required=True), "date": today(),
                   "note": clean_text(body.get("note"), "note"), "label_a": qa["label"], "label_b": qb["label"],
                   "text_a": qa["text"], "text_b": qb["text"]} | ({"cut": cut} if cut else {})  # fmt: skip
        changes = {"|".join(sorted((a, b))): row}
        retire = body.get("retire")  # a stale row this verdict carries forward: it goes from the file
        if retire is not None:
            if not (isinstance(retire, list) and len(retire) == 2 and all(isinstance(i, str) and ID.match(i) for i in retire)):
                raise Refused(400, "retire names the two question ids of a stale decision")
            changes["|".join(sorted(retire))] = None
        ms = self.write("duplicate_decisions", pair_key, changes)
        return {"written_ms": round(ms, 2)}

    def tag_verdict(self, body: dict) -> dict:
        question_id = str(body.get("question_id", ""))
        if question_id not in self.questions:
            raise Refused(400, "not a question id of the current build")
        verdict = body.get("verdict")
        tags = sorted({q["tag"] for q in self.questions.values() if q["tag"]})
        if verdict is not None and (
            not isinstance(verdict, str) or verdict != "keep" and not (verdict.startswith("retag:") and verdict[6:] in tags)
        ):
            raise Refused(400, "verdict must be keep or retag:<a tag of the bank> (or null to clear it)")
        row = None
        if verdict is not None:
            row = {"question_id": question_id, "label": self.questions[question_id]["label"], "verdict": verdict,
                   "reviewer": clean_text(body.get("reviewer"), "reviewer", required=True), "date": today(),
                   "note": clean_text(body.get("note"), "note")}  # fmt: skip
        ms = self.write("tag_decisions", tag_key, {question_id: row})
        return {"written_ms": round(ms, 2)}


def body_length(header: str | None) -> int:
    """Return a request's declared body length; Refused for one that is not a count of bytes or is over MAX_BODY."""
    text = (header or "0").strip()
    if not text.isascii() or not text.isdigit():
        raise Refused(400, "Content-Length is not a count of bytes")
    if int(text) > MAX_BODY:
        raise Refused(413, f"a call is at most {MAX_BODY:,} bytes")
    return int(text)


def parsed_body(data: bytes) -> dict:
    """Return a call's JSON object; Refused for text that is not JSON, not an object, or nested deeper than MAX_DEPTH."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in data:  # the nesting is measured before parsing: a deep body never reaches the recursive parser
        if in_string:
            escaped, in_string = (False, True) if escaped else (byte == 0x5C, byte != 0x22)
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):
            depth -= 1
    if deepest > MAX_DEPTH:
        raise Refused(400, f"a call nests at most {MAX_DEPTH} levels")
    try:
        body = json.loads(data or b"{}")
    except (ValueError, RecursionError):
        raise Refused(400, "not JSON") from None
    if not isinstance(body, dict):
        raise Refused(400, "a call is a JSON object")
    return body


def today() -> str:
    return datetime.date.today().isoformat()


def inject(page: str, bench: Workbench) -> str:
    """Return a published page with the session's settings in it (read by the page's script)."""
    settings = json.dumps({"token": bench.token, "generation": bench.state["generation"]}).replace("<", "\\u003c")
    tag = f'<script type="application/json" id="workbench">{settings}</script>'
    return page.replace("</head>", tag + "</head>", 1) if "</head>" in page else tag + page


def handler(bench: Workbench, address: str):
    class Handler(http.server.BaseHTTPRequestHandler):
        server_version = "workbench"
        sys_version = ""
        timeout = READ_TIMEOUT_S  # the socket's timeout: headers and body are read under it

        def log_message(self, format, *args):  # noqa: A002 - the requests are not logged to the terminal
            return

        def checked(self) -> tuple[str, dict]:
            parts = urlsplit(self.path)
            if self.headers.get("Host") not in (address, address.replace("127.0.0.1", "localhost")):
                raise Refused(403, "wrong Host: open the address the server printed")
            token = self.headers.get("X-Workbench-Token") or parse_qs(parts.query).get("token", [""])[0]
            if not secrets.compare_digest(token, bench.token):
                raise Refused(403, "no or wrong token: open the address the server printed")
            return parts.path, parse_qs(parts.query)

        def send(self, status: int, body: bytes, kind: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header("Referrer-Policy", "no-referrer")
            self.end_headers()
            self.wfile.write(body)

        def fail(self, refused: Refused) -> None:
            self.send(refused.status, json.dumps({"error": refused.why}).encode(), "application/json")

        def do_GET(self):  # noqa: N802 - http.server's name
            try:
                path, _ = self.checked()
                if path == "/api/state":
                    return self.send(200, json.dumps(bench.state).encode(), "application/json")
                name = "duplicates.html" if path == "/" else path.lstrip("/")
                if name not in PAGES:  # only a declared page, by its name: never a path from the browser
                    raise Refused(404, "no such page")
                page = (bench.links[1] / name).read_text(encoding="utf-8")
                self.send(200, inject(page, bench).encode(), "text/html; charset=utf-8")
            except Refused as refused:
                self.fail(refused)

        def do_POST(self):  # noqa: N802
            try:
                path, _ = self.checked()
                if not (self.headers.get("Content-Type") or "").startswith("application/json"):
                    raise Refused(415, "a call is JSON")
                body = parsed_body(self.rfile.read(body_length(self.headers.get("Content-Length"))))
                calls = {"/api/pair": bench.pair_verdict, "/api/tag": bench.tag_verdict, "/api/undo": lambda _: bench.undo_last()}
                if path not in calls:
                    raise Refused(404, "no such call")
                self.send(200, json.dumps(calls[path](body)).encode(), "application/json")
            except Refused as refused:
                self.fail(refused)
            except TimeoutError:  # the body never came whole: drop the connection, free the thread
                self.close_connection = True
            except OSError as error:  # raw/ or its file cannot be written: said, and the file is as it was
                name = Path(error.filename).name if error.filename else "raw/"
                self.fail(Refused(507 if error.errno == errno.ENOSPC else 500, f"{name}: not written: {error.strerror}"))

    return Handler


class Server(http.server.ThreadingHTTPServer):
    """The standard threading server with a deeper listen queue and a bound on the threads answering at once."""

    request_queue_size = BACKLOG
    daemon_threads = True

    def __init__(self, address, handler_class):
        self.slots = threading.BoundedSemaphore(MAX_THREADS)
        super().__init__(address, handler_class)

    def process_request(self, request, client_address):
        self.slots.acquire()  # every thread busy: the connection waits in the backlog, never refused
        try:
            super().process_request(request, client_address)
        except BaseException:
            self.slots.release()
            raise

    def handle_error(self, request, client_address):  # a client gone mid-answer: one line, never a traceback
        sys.stderr.write(f"review: a request from {client_address[0]} ended early: {sys.exc_info()[1]!r}\n")

    def process_request_thread(self, request, client_address):
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.slots.release()


def serve(bench: Workbench, port: int = 0, warm: bool = True) -> http.server.ThreadingHTTPServer:
    """Return the started server (bound to 127.0.0.1) and start the watcher; the caller runs serve_forever."""
    server = Server(("127.0.0.1", port), None)
    address = f"127.0.0.1:{server.server_address[1]}"
    server.RequestHandlerClass = handler(bench, address)
    bench.watcher = threading.Thread(target=bench.watch, args=(warm,), daemon=True, name="watcher")
    bench.watcher.start()
    return server
