"""One workbench write as one transaction over a decisions file and the verdict history: both or neither.

A verdict changes two files: its row in raw/duplicate_decisions.csv (or tag_decisions.csv) and an event appended to
raw/verdict_history.csv. No rename covers two files, so the write first records its intent, then applies it:

1. the journal, raw/.verdict-journal.json, is written whole (a temporary file, fsync'd, renamed): the keyed changes,
   the history's length before and the text the write appends to it;
2. the history gets that text at that length (truncated there first, so a half-written append is replaced), fsync'd;
3. the decisions file is replaced in one rename (files.replace_atomically);
4. the journal is removed: the write is done, and only then is it answered.

A write that fails at 2 or 3 (a read-only file, a full disk) is undone before its 5xx answer: the history is cut back
to its length before (removed if the write made it) and the journal removed, so a 5xx means nothing changed. A
writer killed anywhere leaves either no journal (nothing changed, or all done) or the journal, which `recover`
replays under the writers' lock: the changes merged again into the file as it is (a merge is keyed, so replaying a
done write changes nothing and a colleague's rows stay) and the history's text put at its length. An undo that puts
the file back byte for byte records both texts (`exact_from`, `exact_to`): replayed, the file still as before or
already as after becomes exactly `exact_to`. The server
recovers at start and before every write.

No temporary file outlives its writer: each is `.<name>.<pid>.tmp`, removed by its writer, and those of a writer
that died (its pid gone) are removed at start (`stale_temporaries`).
"""

import errno
import json
import os
import re
from pathlib import Path

from pipeline import faults
from pipeline.workbench import files

JOURNAL = ".verdict-journal.json"
TEMPORARY = re.compile(r"^\..+\.(\d+)\.tmp$")  # files.replace_atomically's `.<name>.<pid>.tmp`


def transact(journal: Path, target: Path, after: str, change: dict, history: Path, addition: str) -> None:
    """Replace `target` with `after` and append `addition` to `history`, both or neither, after a kill too.

    `change` ({"file", "header", "changes"}) is what `recover` merges again into `target` when the writer was killed.
    OSError (the file named) when it cannot be written; then neither file changed."""
    _refuse_read_only(target)
    _refuse_read_only(history)
    existed = history.exists()
    size = history.stat().st_size if existed else 0
    intent = change | {"target": str(target), "history": str(history), "history_size": size, "history_addition": addition}
    files.replace_atomically(journal, json.dumps(intent))
    faults.reached("journal-written")
    try:
        append_at(history, size, addition)
        faults.reached("history-appended")
        files.replace_atomically(target, after)
        faults.reached("decisions-replaced")
    except BaseException:
        _cut_back(history, size, existed)
        journal.unlink(missing_ok=True)
        raise
    journal.unlink()
    _sync_folder(journal.parent)


def recover(journal: Path) -> str | None:
    """Finish the write a killed writer left in `journal` (take the writers' lock first); return what was done, or
    None when there was nothing to do. InputError when the decisions file cannot be read (the journal then stays)."""
    if not journal.exists():
        return None
    try:
        intent = json.loads(journal.read_text(encoding="utf-8"))
    except (OSError, ValueError):  # never half-written (renamed whole): a file someone else made there
        journal.unlink(missing_ok=True)
        return f"{journal.name}: unreadable, removed"
    history, size = Path(intent["history"]), intent["history_size"]
    addition = intent["history_addition"].encode("utf-8")
    with open(history, "ab+") as handle:
        length = handle.seek(0, os.SEEK_END)
        handle.seek(min(size, length))
        there = handle.read(len(addition) + 1)
    if there != addition:
        append_at(history, min(size, length), intent["history_addition"])
    target = Path(intent["target"])
    text = files.read_csv(target)
    after, _ = files.merged(text, tuple(intent["header"]), files.KEYS[intent["file"]], intent["changes"])
    if "exact_to" in intent and text in (intent["exact_from"], intent["exact_to"]):  # an undo put back byte for byte
        after = intent["exact_to"]
    if after != text:
        files.replace_atomically(target, after)
    journal.unlink()
    _sync_folder(journal.parent)
    return f"a write cut short was finished: {', '.join(intent['changes'])} in {target.name}, and its history"


def append_at(path: Path, size: int, text: str) -> None:
    """Write `text` into `path` at byte `size` (what was after it goes: a half-written append), flushed to disk."""
    created = not path.exists()
    handle = os.open(path, os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        os.ftruncate(handle, size)
        os.lseek(handle, size, os.SEEK_SET)
        data = text.encode("utf-8")
        while data:
            data = data[os.write(handle, data) :]
        os.fsync(handle)
    finally:
        os.close(handle)
    if created:
        _sync_folder(path.parent)


def stale_temporaries(names: list[str], alive) -> list[str]:
    """Return the names of temporary files (`.<name>.<pid>.tmp`) whose writer `alive(pid)` says is gone. Pure."""
    return [name for name in names if (found := TEMPORARY.match(name)) and not alive(int(found.group(1)))]


def pid_alive(pid: int) -> bool:
    """Return whether a process with this id runs (one of another user's counts as running)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def remove_stale_temporaries(folder: Path) -> list[str]:
    """Remove the temporary files of dead writers in `folder`; return their names."""
    gone = stale_temporaries(sorted(p.name for p in Path(folder).iterdir() if p.name.endswith(".tmp")), pid_alive)
    for name in gone:
        (Path(folder) / name).unlink(missing_ok=True)
    return gone


def _refuse_read_only(path: Path) -> None:
    """Raise PermissionError for a file without write permission (root would write it anyway; the editor said no)."""
    if path.exists() and not path.stat().st_mode & 0o222:
        raise PermissionError(errno.EACCES, "the file is read-only", str(path))


def _cut_back(history: Path, size: int, existed: bool) -> None:
    """Undo an append to `history`: cut it back to `size` bytes, or remove it when the write made it."""
    if not existed:
        history.unlink(missing_ok=True)
    elif history.exists() and history.stat().st_size != size:
        os.truncate(history, size)


def _sync_folder(folder: Path) -> None:
    handle = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)
