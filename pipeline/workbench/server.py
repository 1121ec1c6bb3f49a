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
  touch keep their bytes, the file as it is on disk is merged, one rename), with its event in the verdict history,
  as one transaction (journal.py: both or neither, after a kill too). Its text is cleaned on the way in (fields.py).
  The watcher sees every change under raw/ (the server's own writes and an editor's edit of the appendix alike),
  waits for a quiet moment, and rebuilds in-process (rebuild.py); the pages poll the build's state and reload their
  data when it is published.
"""

import datetime
import errno
import hashlib
import html
import http.server
import json
import os
import re
import secrets
import sys
import threading
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from pipeline import io
from pipeline.errors import InputError
from pipeline.schema import REPORT_FILES, editors_file, table
from pipeline.workbench import fields, files, journal, rebuild

QUIET_S = 0.15  # the watcher waits this long without a change before it builds (verdicts typed fast share a build)
POLL_S = 0.05
MAX_BODY = 64 * 1024
MAX_DEPTH = 16  # a call's JSON nests two levels; a deeper body is refused before it is parsed
READ_TIMEOUT_S = 5  # a client that sends its headers or body slower than this is dropped (a thread is never held)
BACKLOG = 128  # connections the OS queues while every thread is busy: 100 clients at once are all answered
MAX_THREADS = 64  # threads answering at once; further connections wait in the backlog
PAGES = {report.name for report in REPORT_FILES if report.name.endswith(".html")}
PAIR_VERDICTS = ("duplicate", "related", "distinct")
ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")  # a question id as the stages make them (never a path)
SESSION = re.compile(r"^[A-Za-z0-9_-]{16,64}$")  # a browser's editor session: random, made by the page once
OPEN_FOR_S = 5.0  # a pair a page said it shows counts as open this long after its last poll
MAX_KEYS = 4000  # keys a page may ask the file's verdicts of in one call
HELD = ("verdict", "reviewer", "date", "note", "cut")  # what a page is told of a verdict the file holds


pair_key, tag_key = files.pair_key, files.tag_key


class Refused(Exception):
    """A request the workbench does not serve: its status and one line saying why."""

    def __init__(self, status: int, why: str, conflict: dict | None = None):
        super().__init__(why)
        self.status, self.why, self.conflict = status, why, conflict


def clean_text(value, what: str, required: bool = False) -> str:
    """Return a reviewer's name or note as it goes into the file (fields.cleaned); Refused (400) with the reason."""
    try:
        return fields.cleaned(value, what, is_name=what == "reviewer", required=required)
    except fields.Unclean as unclean:
        raise Refused(400, str(unclean)) from None


def _overwrites(row: dict, change: dict | None, reviewer: str) -> bool:
    """Return whether writing `change` over the file's `row` replaces another reviewer's different verdict."""
    return (row.get("reviewer") or "") != reviewer and not _agrees(row, change)


def _agrees(row: dict, change: dict | None) -> bool:
    """Return whether `change` says what the file's `row` already says (its verdict, and for a duplicate which
    question to cut): a colleague's agreeing verdict keeps theirs, it does not make the second editor its reviewer."""
    return change is not None and (change.get("verdict"), change.get("cut") or "") == (row.get("verdict"), row.get("cut") or "")


def _held(row: dict | None) -> dict | None:
    """Return what a page is told of the verdict a row of the file holds (None: no verdict)."""
    return {k: row.get(k, "") for k in HELD} if row else None


def session_of(body: dict) -> str:
    """Return the editor session a call names ("" for none: a script, an old page); Refused for one that is not a
    page's random session id."""
    session = body.get("session")
    if session is None or session == "":
        return ""
    if not isinstance(session, str) or not SESSION.match(session):
        raise Refused(400, "session is the page's random id (16-64 letters, digits, - or _)")
    return session


def session_mark(session: str) -> str:
    """Return the mark the verdict history records of an editor session: enough to tell sessions apart, never the id
    itself (which lets its holder undo)."""
    return hashlib.sha256(session.encode("ascii")).hexdigest()[:12] if session else ""


def _said(key: str, row: dict | None) -> dict:
    """Return what a page shows of the verdict another reviewer holds on `key`."""
    return {"key": key} | {k: (row or {}).get(k, "") for k in ("verdict", "reviewer", "date", "note")}


TOKEN_FILE = ".review-token"  # beside the builds (outside git): one per checkout, so a tab outlives a restart


def session_token(builds: Path) -> str:
    """Return this checkout's workbench token, made once (random, the file readable by its owner only)."""
    path = Path(builds) / TOKEN_FILE
    try:
        token = path.read_text(encoding="ascii").strip()
        if len(token) >= 32 and token.isascii():
            return token
    except (OSError, UnicodeDecodeError):
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(24)
    scratch = path.with_name(f"{TOKEN_FILE}.{os.getpid()}")
    descriptor = os.open(scratch, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as out:
        out.write(token + "\n")
    os.replace(scratch, path)
    return token


class Workbench:
    """The state the server's threads share: the session, the inputs, the current build, the writes to undo."""

    def __init__(self, inputs: dict[str, str], builds: Path, links: tuple[Path, Path], embeddings: str = "auto"):
        self.inputs, self.builds, self.links, self.embeddings = inputs, Path(builds), links, embeddings
        with files.locked(self.builds / ".raw-writers.lock"):  # a write a killed server cut short: finished first
            try:
                self.repaired()
            except (InputError, OSError) as error:  # said; each write tries again and answers with the reason
                sys.stderr.write(f"review: a write cut short could not be finished yet: {error}\n")
        self.token = session_token(self.builds)
        self.lock = threading.Lock()  # one writer at a time in this process (files.locked: across processes)
        self.undo: dict[str, list[dict]] = {}  # each editor session's own writes, newest last: undo never crosses editors
        self.opened: dict[str, tuple[str, float, float]] = {}  # session → (the pair it shows, since, last said)
        self.held_cache: dict[str, tuple[tuple, dict]] = {}  # file → (its stat, its verdicts by key)
        self.last_rows: dict[str, dict | None] = {}  # the rows the last write left, by key
        self.events: list[dict] = []  # every verdict written since start, numbered: the pages poll for others' ones
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
        if warm:  # builds only what is not current (usually nothing), then loads what a verdict's rebuild will import
            self.build(set(), warming=True)
            warm_imports()
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
        ran = result.get("ran") or []
        said = result["error"] or (
            f"{', '.join(sorted(changed)) or 'nothing'} changed: built {', '.join(ran)}, published {result['generation']} in "
            f"{result['seconds']:.2f} s"
            if ran
            else f"the build is current ({'warm-up' if warming else ', '.join(sorted(changed)) + ' changed, but not by content'}): "
            f"nothing built, {result['generation']} stays published ({result['seconds']:.2f} s)"
        )
        sys.stderr.write(f"review: {said}\n")
        return result

    def history(self, most: int = 500) -> list[dict]:
        """Return the verdict history's last `most` rows, newest first (the file under raw/ is the record)."""
        path = self.history_path()
        try:
            rows = [row for _raw, row in files.records(files.read_csv(path)).rows if row]
        except (OSError, UnicodeDecodeError, InputError):
            return []
        return rows[-most:][::-1]

    # ---- the verdicts ---------------------------------------------------------------------------------------------
    def path_of(self, name: str) -> Path:
        return Path(self.inputs["DECISIONS" if name == "duplicate_decisions" else "TAG_DECISIONS"])

    def history_path(self) -> Path:
        return Path(self.inputs.get("VERDICT_HISTORY") or self.path_of("duplicate_decisions").with_name("verdict_history.csv"))

    def journal_path(self) -> Path:
        return self.path_of("duplicate_decisions").with_name(journal.JOURNAL)

    def repaired(self) -> None:
        """Finish a write a killed writer left (journal.recover; hold the writers' lock), and remove the temporary
        files dead writers left in the folders the workbench writes."""
        said = journal.recover(self.journal_path())
        if said:
            sys.stderr.write(f"review: {said}\n")
        self.widen_history()
        folders = {self.path_of(name).parent for name in files.KEYS} | {self.history_path().parent}
        for folder in sorted(folders):
            for name in journal.remove_stale_temporaries(folder):
                sys.stderr.write(f"review: removed {name}, left by a writer that died\n")

    def widen_history(self) -> None:
        """Give a history begun before its optional columns were declared those columns in its header, once (its rows
        keep their bytes); a history already checked (the same inode) is not read again."""
        history, declared = self.history_path(), editors_file("verdict_history")
        try:
            inode = history.stat().st_ino
        except OSError:
            return
        if getattr(self, "history_checked", None) == inode:
            return
        columns = declared.columns + declared.optional
        head = _start_of(history).splitlines()[:1]  # its header alone: the whole history is read only to widen it
        if head and files.widened(head[0] + "\n", columns) is not None:
            files.replace_atomically(history, files.widened(files.read_csv(history), columns))
            sys.stderr.write(f"review: {history.name}: its header now names {', '.join(declared.optional)}\n")
        self.history_checked = history.stat().st_ino

    def write(self, name: str, key, changes: dict[str, dict | None], reviewer: str, confirm: bool = False,
              action: str = "decide", session: str = "", retired: str | None = None) -> dict:  # fmt: skip
        """Merge `changes` into raw/<name>.csv (as Make's inputs name it), note it in the verdict history and in this
        editor session's own undo; return the answer: the milliseconds it took and what the file holds now.

        Refused (409, naming them) when it would replace another reviewer's different verdict and `confirm` is not
        set: nothing is overwritten silently. The same verdict over another reviewer's keeps theirs (nothing is
        written; the answer says whose it is), unless `confirm`. The `retired` key (the stale row of a verdict carried
        forward) goes without asking: its verdict is the one carried."""
        started = time.perf_counter()
        path = self.path_of(name)
        with self.lock, files.locked(self.builds / ".raw-writers.lock"):
            text = self.current(path)
            now = files.rows_by_key(text, key, changes)
            theirs = [(k, row) for k, row in now.items() if row and k != retired and _overwrites(row, changes[k], reviewer)]
            if theirs and not confirm:
                k, row = theirs[0]
                raise Refused(409, f"{row.get('reviewer') or 'someone'} decided {row.get('verdict')} on {row.get('date')}: "
                              "confirm to replace it, or leave it", conflict=_said(k, row))  # fmt: skip
            agreeing = {
                k: row for k, row in now.items() if row and (row.get("reviewer") or "") != reviewer and _agrees(row, changes[k])
            }
            if agreeing and not confirm and len(agreeing) == len(changes):  # theirs already says it: kept as theirs
                k, row = next(iter(agreeing.items()))
                return {"written_ms": 0, "kept": _said(k, row), "held": {k: _held(r) for k, r in now.items()}}
            after, before, events = self.committed(name, text, changes, reviewer, action, session)
            rows = {k: self.last_rows[k] for k in changes}
            self.undo.setdefault(session or "name:" + reviewer, []).append(
                {
                    "name": name,
                    "path": path,
                    "before": before,
                    "after": rows,
                    "keys": list(changes),
                    "events": events,
                    "text_before": text,  # an undo while the file is still `text_after` puts back these exact bytes
                    "text_after": after,
                }  # fmt: skip
            )
        held = {k: _held(row) for k, row in rows.items()}
        return {"written_ms": round((time.perf_counter() - started) * 1000, 2), "held": held}

    def current(self, path: Path) -> str:
        """Return the decisions file's text now, after finishing any write cut short; Refused (409) for a file the
        merge cannot read, never half-written."""
        try:
            self.repaired()
            text = files.read_csv(path)
            files.records(text)
        except InputError as error:
            raise Refused(409, f"{path.name}: {error}") from None
        return text

    def committed(self, name: str, text: str, changes: dict, reviewer: str, action: str, session: str = "",
                  exact: str | None = None) -> tuple[str, dict, list[dict]]:  # fmt: skip
        """Write `changes` into raw/<name>.csv (whose text is `text`) and their events into the verdict history, as
        one transaction (journal.transact); return the file's new text, what each key held before and the events.
        With `exact` (an undo of the file's last write), the file becomes exactly that text: the columns the undone
        verdict added go too."""
        declared, path, key = editors_file(name), self.path_of(name), files.KEYS[name]
        try:
            after, before = files.merged(text, declared.columns, key, changes)
        except InputError as error:
            raise Refused(409, f"{path.name}: {error}") from None
        after = after if exact is None else exact
        self.last_rows = files.rows_by_key(after, key, changes)  # the rows it leaves (under the writers' lock)
        events = [self.event(name, k, reviewer, action, self.last_rows[k], before[k], n, session)
                  for n, k in enumerate(changes)]  # fmt: skip
        history = self.history_path()
        history_file = editors_file("verdict_history")
        addition = files.history_addition(_start_of(history), history_file.columns + history_file.optional, events)
        change = {"file": name, "header": list(declared.columns), "changes": changes}
        if exact is not None:
            change |= {"exact_from": text, "exact_to": exact}
        journal.transact(self.journal_path(), path, after, change, history, addition)
        self.events.extend(events)
        return after, before, events

    def event(self, name: str, key: str, reviewer: str, action: str, row: dict | None, previous: dict | None,
              offset: int = 0, session: str = "") -> dict:  # fmt: skip
        """Return one verdict's event: a row of the verdict history, numbered for the pages that poll. It says the
        verdict the file holds after it whole (whose it is, since when, its note and cut: an undo names whose verdict
        it restored), so replaying the history rebuilds the decisions files (files.replayed)."""
        row = row or {}
        return {"seq": len(self.events) + offset + 1, "written_at": datetime.datetime.now().isoformat(timespec="seconds"),
                "reviewer": reviewer, "action": action, "file": name, "key": key, "verdict": row.get("verdict", ""),
                "labels": " ~ ".join(self.questions[q]["label"] for q in key.split("|") if q in self.questions),
                "previous_reviewer": (previous or {}).get("reviewer", ""), "previous_verdict": (previous or {}).get("verdict", ""),
                "held_by": row.get("reviewer", ""), "held_since": row.get("date", ""), "note": row.get("note", ""),
                "cut": row.get("cut", ""), "session": session_mark(session)}  # fmt: skip

    def undo_last(self, body: dict) -> dict:
        """Undo this editor session's own last verdict (a call without a session: the last of that name's calls
        without one); never another's. When another reviewer changed the row since, their verdict stays and the answer
        says who (409). While the file is still as that verdict left it, it is put back byte for byte."""
        reviewer = clean_text(body.get("reviewer"), "reviewer", required=True)
        session = session_of(body)
        with self.lock, files.locked(self.builds / ".raw-writers.lock"):
            mine = self.undo.get(session or "name:" + reviewer) or []
            if not mine:
                raise Refused(409, f"nothing of {reviewer}'s to undo in this session")
            last = mine.pop()
            key = files.KEYS[last["name"]]
            now = self.current(last["path"])
            for k in last["keys"]:
                row = files.row_of(now, key, k)
                if row != last["after"][k]:
                    raise Refused(409, f"{(row or {}).get('reviewer') or 'someone'} changed it since "
                                  f"({(row or {}).get('verdict') or 'cleared'}): your undo leaves their verdict",
                                  conflict=_said(k, row))  # fmt: skip
            exact = last["text_before"] if now == last["text_after"] else None
            try:
                self.committed(last["name"], now, last["before"], reviewer, "undo", session, exact)
            except BaseException:
                mine.append(last)  # not undone: it can be tried again
                raise
            held = {k: _held(self.last_rows[k]) for k in last["keys"]}
        return {"undone": last["keys"], "file": last["name"], "held": held}

    def held(self, body: dict) -> dict:
        """Return what the file holds now for the keys a page asks about (its pairs or suspects shown): a page
        reconciles what it shows with the file on every poll, not only when a build is published. Cheap: the file
        is read again only when its size, inode or time changed."""
        name, keys = body.get("file"), body.get("keys")
        if name not in files.KEYS:
            raise Refused(400, "file is duplicate_decisions or tag_decisions")
        if not isinstance(keys, list) or len(keys) > MAX_KEYS or not all(isinstance(k, str) and len(k) <= 130 for k in keys):
            raise Refused(400, f"keys is a list of at most {MAX_KEYS} pair or question ids")
        path = self.path_of(name)
        try:
            info = path.stat()
            signature = (info.st_ino, info.st_size, info.st_mtime_ns)
        except OSError:
            signature = None
        cached = self.held_cache.get(name)
        if cached is None or cached[0] != signature:
            try:
                rows = files.records(files.read_csv(path)).rows if signature else []
            except InputError as error:
                raise Refused(409, f"{path.name}: {error}") from None
            key = files.KEYS[name]
            cached = (signature, {key(row): _held(row) for _raw, row in rows if row})
            self.held_cache[name] = cached
        return {"held": {k: cached[1].get(k) for k in keys}}

    def taken(self, session: str, key: str) -> list[str]:
        """Note that `session`'s page shows `key` and return the keys other sessions' pages show that this one should
        leave to them: theirs opened first, or a pair this page does not show (a page's next pair is one no other
        editor has open, as Label Studio hands out tasks)."""
        now = time.monotonic()
        with self.lock:
            if session:
                before = self.opened.get(session)
                self.opened[session] = (key, before[1] if before and before[0] == key else now, now)
            for gone in [s for s, (_, _, said) in self.opened.items() if now - said > OPEN_FOR_S]:
                del self.opened[gone]
            shown, since, _ = self.opened.get(session, ("", now, now))
            return sorted({k for s, (k, first, _) in self.opened.items() if s != session and k and (k != shown or first < since)})

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
                   "text_a": fields.one_line(qa["text"]), "text_b": fields.one_line(qb["text"])} | ({"cut": cut} if cut else {})  # fmt: skip
        changes = {"|".join(sorted((a, b))): row}
        retire = body.get("retire")  # a stale row this verdict carries forward: it goes from the file
        if retire is not None:
            if not (isinstance(retire, list) and len(retire) == 2 and all(isinstance(i, str) and ID.match(i) for i in retire)):
                raise Refused(400, "retire names the two question ids of a stale decision")
            if retire[0] == retire[1] or "|".join(sorted(retire)) in changes:  # was a silent clear of the verdict itself
                raise Refused(400, "retire names this verdict's own pair: a verdict carried forward retires another pair")
            changes["|".join(sorted(retire))] = None
        name = clean_text(body.get("reviewer"), "reviewer", required=True)
        return self.write("duplicate_decisions", pair_key, changes, name, confirm=body.get("confirm") is True,
                          action="carry" if retire is not None else "decide" if verdict is not None else "clear",
                          session=session_of(body), retired="|".join(sorted(retire)) if retire else None)  # fmt: skip

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
        changes = {question_id: row}
        retire = body.get("retire")  # the stale row of this question before it was reworded: carried forward, it goes
        if retire is not None:
            if not (isinstance(retire, str) and ID.match(retire)) or retire == question_id or retire in self.questions:
                raise Refused(400, "retire names the id of a stale tag decision (a question no longer in the build)")
            changes[retire] = None
        name = clean_text(body.get("reviewer"), "reviewer", required=True)
        return self.write("tag_decisions", tag_key, changes, name, confirm=body.get("confirm") is True,
                          action="carry" if retire is not None else "decide" if verdict is not None else "clear",
                          session=session_of(body), retired=retire)  # fmt: skip


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


def warm_imports() -> None:
    """Import the slow libraries of the stages a verdict reruns, as the graph declares them (Great Expectations is
    seconds of it), so the first verdict's rebuild does not pay for them."""
    import importlib

    from pipeline.flow.graph import BY_NAME, readers

    for name in sorted(readers({"DECISIONS", "TAG_DECISIONS"})):
        for module in BY_NAME[name].imports:
            try:
                importlib.import_module(module)
            except Exception:  # noqa: BLE001 - a rebuild imports it again and says what is wrong
                pass


def _start_of(path: Path) -> str:
    """Return the first bytes of a file as text ("" when there is none): enough to see its line end."""
    if not path.exists():
        return ""
    with open(path, "rb") as handle:
        return handle.read(4096).decode("utf-8", "replace")


def today() -> str:
    return datetime.date.today().isoformat()


def inject(page: str, bench: Workbench) -> str:
    """Return a published page with the session's settings in it (read by the page's script)."""
    settings = json.dumps({"token": bench.token, "generation": bench.state["generation"]}).replace("<", "\\u003c")
    tag = f'<script type="application/json" id="workbench">{settings}</script>'
    return page.replace("</head>", tag + "</head>", 1) if "</head>" in page else tag + page


def stale_page(why: str) -> str:
    """Return the page a tab gets that holds no valid session: what happened, and what to do."""
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,">'
        '<title>Workbench: open the new address</title></head><body style="font:16px system-ui,sans-serif;margin:2em">'
        "<h1>This tab's workbench session is not this server's</h1>"
        f"<p>{html.escape(why)}.</p><p>Run <code>make review</code> in the checkout (or look at the terminal where it runs) "
        "and open the address it prints: <code>http://127.0.0.1:PORT/duplicates.html?token=…</code>. The token is kept per "
        "checkout, so an address it printed once keeps working across restarts on the same port.</p></body></html>"
    )


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
            if not secrets.compare_digest(token.encode("utf-8", "replace"), bench.token.encode()):  # any text: 403
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
            said = {"error": refused.why} | ({"conflict": refused.conflict} if refused.conflict else {})
            self.send(refused.status, json.dumps(said).encode(), "application/json")

        def failed(self, error: Exception) -> None:
            sys.stderr.write(f"review: {self.command} {urlsplit(self.path).path} failed: {error!r}\n")
            self.fail(Refused(500, f"the workbench failed: {type(error).__name__}: {error}"))

        def send_error(self, code, message=None, explain=None):
            """http.server's own refusals (a bad request line, a header it cannot parse, a method it lacks): JSON too."""
            self.close_connection = True
            if code < 200 or code in (204, 304):
                return super().send_error(code, message, explain)
            self.fail(Refused(code, message or explain or http.HTTPStatus(code).phrase))

        def do_GET(self):  # noqa: N802 - http.server's name
            page_asked = not urlsplit(self.path).path.startswith("/api/")
            try:
                if urlsplit(self.path).path == "/favicon.ico":  # asked by every browser, with no token: nothing to give
                    if self.headers.get("Host") not in (address, address.replace("127.0.0.1", "localhost")):
                        raise Refused(403, "wrong Host: open the address the server printed")
                    return self.send(204, b"", "image/x-icon")
                path, query = self.checked()
                if path == "/api/state":
                    since = query.get("since", ["0"])[0]
                    if not (since.isascii() and since.isdigit()):  # int() takes "²" and "٣" after isdigit(): no answer
                        raise Refused(400, "since is a count of events (digits 0-9)")
                    seen = int(since)
                    session, shown = query.get("session", [""])[0], query.get("open", [""])[0]
                    if session and not SESSION.match(session) or shown and not all(ID.match(i) for i in shown.split("|")):
                        raise Refused(400, "session is the page's random id, open a pair or question id")
                    answer = bench.state | {"events": bench.events[seen:], "taken": bench.taken(session, shown)}
                    return self.send(200, json.dumps(answer).encode(), "application/json")
                if path == "/api/history":
                    return self.send(200, json.dumps({"history": bench.history()}).encode(), "application/json")
                name = "duplicates.html" if path == "/" else path.lstrip("/")
                if name not in PAGES:  # only a declared page, by its name: never a path from the browser
                    raise Refused(404, "no such page")
                page = (bench.links[1] / name).read_text(encoding="utf-8")
                self.send(200, inject(page, bench).encode(), "text/html; charset=utf-8")
            except Refused as refused:
                if page_asked and refused.status == 403:  # a tab of an ended session, a bookmark: a page, not JSON
                    return self.send(403, stale_page(refused.why).encode(), "text/html; charset=utf-8")
                self.fail(refused)
            except Exception as error:  # noqa: BLE001 - a bug: answered and said, never a closed connection
                self.failed(error)

        def do_POST(self):  # noqa: N802
            try:
                path, _ = self.checked()
                if not (self.headers.get("Content-Type") or "").startswith("application/json"):
                    raise Refused(415, "a call is JSON")
                body = parsed_body(self.rfile.read(body_length(self.headers.get("Content-Length"))))
                calls = {"/api/pair": bench.pair_verdict, "/api/tag": bench.tag_verdict, "/api/undo": bench.undo_last,
                         "/api/held": bench.held}  # fmt: skip
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
            except Exception as error:  # noqa: BLE001
                self.failed(error)

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


PORT_FILE = ".review-port"  # beside the token: the port this checkout's workbench last had, tried first on a restart


def bound(builds: Path, port: int) -> "Server":
    """Return a server bound to 127.0.0.1: on `port` if given, else on this checkout's last port while it is free (an
    open tab's address then still holds after a restart), else on a free one; the port is noted for the next start."""
    noted = Path(builds) / PORT_FILE
    tries = [port] if port else []
    if not port:
        try:
            last = int(noted.read_text(encoding="ascii").strip())
            tries.append(last) if 1024 <= last <= 65535 else None
        except (OSError, ValueError):
            pass
        tries.append(0)
    for number in tries:
        try:
            server = Server(("127.0.0.1", number), None)
            break
        except OSError:
            if number == tries[-1]:
                raise
    try:
        noted.parent.mkdir(parents=True, exist_ok=True)
        noted.write_text(f"{server.server_address[1]}\n", encoding="ascii")
    except OSError:
        pass  # a start that cannot note its port still serves
    return server


def serve(bench: Workbench, port: int = 0, warm: bool = True) -> http.server.ThreadingHTTPServer:
    """Return the started server (bound to 127.0.0.1) and start the watcher; the caller runs serve_forever."""
    server = bound(bench.builds, port)
    address = f"127.0.0.1:{server.server_address[1]}"
    server.RequestHandlerClass = handler(bench, address)
    bench.watcher = threading.Thread(target=bench.watch, args=(warm,), daemon=True, name="watcher")
    bench.watcher.start()
    return server
