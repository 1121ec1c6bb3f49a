"""The one runner of the build graph (graph.py): in this process, each stage whose inputs, code, options or upstream
changed by content, in order; then publish. Make, the workbench, the base and history builds and the bench all build
through `build()`, so they cannot disagree about what is current.

A stage's **key** is a digest of everything its output follows: the content of the inputs it reads (for the banks'
registry, its bank files too), the content of its code and of the code below every stage, the options it takes, and
the keys of the stages it reads from. The work area keeps the key each stage last finished with
(`<work>/.graph-state.json`, replaced in one rename after each stage); a stage whose key is unchanged and whose
outputs are all there is skipped. A failed or killed stage records nothing, so it runs again next time; its outputs
were staged (io.staged_outputs), so the last good ones are untouched, and publishing takes a complete work area only.
"""

import hashlib
import json
import os
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

from pipeline import paths
from pipeline.flow.graph import BY_NAME, SHARED_CODE, STAGES, Area, Stage, readers, upstream

STATE = ".graph-state.json"
PACKAGE = Path(paths.ROOT) / "pipeline"


SEEN = ".graph-code.json"  # each code file's size, time and content digest: its content is read again only when
# its size or modification time moved (as git's index does), so a no-change build costs a stat per file


def code_digest(stage: Stage, cache: dict | None = None, seen: dict | None = None) -> str:
    """Return a digest of the content of the code and data `stage` runs (its globs and the shared rooms). `cache` holds
    the parts already made in this call; `seen` maps a path to [size, mtime_ns, its content digest] from before."""
    digest = hashlib.sha256()
    for pattern in (*SHARED_CODE, *stage.code):
        for path in sorted(PACKAGE.glob(pattern)):
            key = str(path)
            if cache is not None and key in cache:
                digest.update(cache[key])
                continue
            if not path.is_file() or "__pycache__" in path.parts:
                continue
            info = path.stat()
            known = (seen or {}).get(key)
            if known and known[:2] == [info.st_size, info.st_mtime_ns]:
                content = known[2]
            else:
                content = hashlib.sha256(path.read_bytes()).hexdigest()
                if seen is not None:
                    seen[key] = [info.st_size, info.st_mtime_ns, content]
            part = (key + "\0" + content).encode()
            if cache is not None:
                cache[key] = part
            digest.update(part)
    return digest.hexdigest()


def input_digests(inputs: dict[str, str]) -> dict[str, str]:
    """Return each input's fingerprint (its real path and content digest; the registry's bank files too).
    InputError naming the file for one that cannot be read (a FIFO, a link out of its folder, over its limit)."""
    from pipeline.external.registry import readable_bank_files
    from pipeline.inputs import fingerprint

    out = {}
    for name, path in inputs.items():
        companions = readable_bank_files(Path(path)) if name == "EXTERNAL_BANKS" else ()
        out[name] = fingerprint(Path(path), companions)
    return out


def keys(inputs: dict[str, str], area: Area, digests: dict[str, str] | None = None, seen: dict | None = None) -> dict[str, str]:
    """Return every stage's key for these inputs and options (in the graph's order: upstream keys first)."""
    digests = input_digests(inputs) if digests is None else digests
    option_text = {
        "embeddings": area.embeddings,
        "base_stamp": _read(area.base_stamp),
        "points": _read(area.points),
    }
    cache: dict = {}
    out: dict[str, str] = {}
    for stage in STAGES:
        digest = hashlib.sha256(stage.name.encode())
        for name in stage.inputs:
            digest.update(f"{name}\0{digests.get(name, '')}\0".encode())
        digest.update(code_digest(stage, cache, seen).encode())
        for option in stage.options:
            digest.update(f"{option}\0{option_text[option]}\0".encode())
        for name in stage.after:
            digest.update(out[name].encode())
        out[stage.name] = digest.hexdigest()
    return out


def _read(path: Path | None) -> str:
    try:
        return Path(path).read_text(encoding="utf-8") if path else ""
    except OSError:
        return ""


def read_json(path: Path) -> dict:
    """Return the JSON object in `path`, or {} when there is none (or it is damaged: it is only a memo)."""
    try:
        value = json.loads(Path(path).read_text(encoding="utf-8"))
        return value if isinstance(value, dict) else {}
    except (OSError, ValueError):
        return {}


def write_json(path: Path, value: dict) -> None:
    """Replace `path` with `value` as JSON in one rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_name(f"{path.name}.{os.getpid()}")
    scratch.write_text(json.dumps(value, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(scratch, path)


def read_state(work: Path) -> dict[str, str]:
    return read_json(Path(work) / STATE)


def write_state(work: Path, state: dict[str, str]) -> None:
    write_json(Path(work) / STATE, state)


def stale(stage_keys: dict[str, str], state: dict[str, str], work: Path, wanted: set[str] | None = None) -> list[str]:
    """Return the stages to run, in order: those whose key changed, or whose outputs are missing. Pure but for the
    existence checks."""
    names = [s.name for s in STAGES if wanted is None or s.name in wanted]
    out = []
    for stage in STAGES:
        if stage.name not in names:
            continue
        missing = any(not (Path(work) / output).exists() for output in stage.outputs)
        if state.get(stage.name) != stage_keys[stage.name] or missing:
            out.append(stage.name)
    return out


def why(stage_names: list[str], state: dict[str, str], inputs_changed: set[str]) -> str:
    """Return in a few words why these stages run: the inputs that changed, or the code, or a first build."""
    if not stage_names:
        return "nothing changed"
    if not state:
        return "a first build in this work area"
    said = sorted(inputs_changed)
    return (", ".join(said) + " changed") if said else "the code, an option or a missing output changed"


# What every stage and every slow library imports first, imported in the building thread before the prefetch thread
# starts: two threads importing one module graph at once can meet in Python's import locks, and the one that yields
# sees a partially initialised module ("partially initialized module 'typing' has no attribute 'ClassVar'", seen once
# in a clean-clone CI run). The stages need these at once anyway; the thread then loads what only its libraries need.
IMPORT_DEADLOCK = "deadlock detected by _ModuleLock"  # the text of importlib's _DeadlockError
FOUNDATIONS = ("typing", "dataclasses", "numpy", "pandas", "pyarrow", "pyarrow.parquet")


def prefetch(names: list[str]) -> threading.Thread | None:
    """Start importing the slow libraries the stages to run will need, in a thread: they load while ingest and the
    encoding run (both mostly outside the GIL), instead of queueing behind them. What they share with the stages
    (`FOUNDATIONS`) is imported here first."""
    import importlib

    # the libraries only: a module of ours is imported by the stage itself, in this thread (never two threads at once)
    modules = [module for name in names for module in BY_NAME[name].imports if not module.startswith("pipeline.")]
    if not modules:
        return None
    for module in FOUNDATIONS:
        importlib.import_module(module)

    def load():
        import importlib

        os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
        for module in modules:
            try:
                importlib.import_module(module)
            except Exception:  # noqa: BLE001 - the stage itself imports it again and says what is wrong
                pass

    thread = threading.Thread(target=load, name="prefetch", daemon=True)
    thread.start()
    return thread


def build(
    inputs: dict[str, str],
    builds: Path,
    area_options: Area | None = None,
    only: set[str] | None = None,
    say=None,
    inputs_changed: set[str] | None = None,
) -> dict:
    """Build the stages whose key changed into `builds/work` (only those `only` needs, if given), in this process.

    Return {ran: [stage names], why, seconds, keys, error}. A failing stage stops the build: its error (one line)
    is returned, nothing after it runs, and its key is not recorded."""
    from pipeline import faults
    from pipeline.cli import guarded
    from pipeline.inputs import write_texts
    from pipeline.terminal import say as terminal_say

    say = say or terminal_say
    started = time.perf_counter()
    work = Path(builds) / "work"
    area = replace(
        area_options or Area(work / "warehouse", work / "reports"), warehouse=work / "warehouse", reports=work / "reports"
    )
    for folder in (area.warehouse, area.reports):
        folder.mkdir(parents=True, exist_ok=True)
    digests = input_digests(inputs)
    write_texts(area.warehouse, digests)  # each input's path and digest, which the changes stage reads
    seen = read_json(work / SEEN)
    before = dict(seen)
    stage_keys = keys(inputs, area, digests, seen)
    if seen != before:
        write_json(work / SEEN, seen)
    state = read_state(work)
    changed = set(inputs_changed or ()) | {n for n, d in digests.items() if state.get(f"input:{n}") not in (None, d)}
    to_run = stale(stage_keys, state, work, upstream(only) if only else None)
    said = why(to_run, {k: v for k, v in state.items() if not k.startswith("input:")}, changed)
    if to_run:
        say(f"build: {', '.join(to_run)} ({said})")
    loading = prefetch([n for n in to_run if not aside(n, to_run)])
    context: dict = {}
    error = None
    apart: dict[str, tuple] = {}  # stages running in a process of their own: name → (process, pipe)

    def finished(name: str, code: int, line) -> bool:
        nonlocal error
        if code:
            error = line
            say(line, file=sys.stderr)
            return False
        if line:
            say(line)
        stage = BY_NAME[name]
        state[name] = stage_keys[name]
        state.update({f"input:{n}": digests[n] for n in stage.inputs})
        write_state(work, state)
        return True

    def joined(names) -> bool:
        for name in [n for n in to_run if n in names and n in apart]:
            process, pipe = apart.pop(name)
            try:
                code, line = pipe.recv()
            except EOFError:
                code, line = 3, f"error: {name}: its process ended without a word (exit {process.exitcode})"
            process.join()
            if not finished(name, code, line):
                return False
        return True

    try:
        waiting = [n for n in to_run if aside(n, to_run)]  # each starts loading its slow imports early, one a stage:
        for name in to_run:  # two cores, so one process loads while this one works, then the next
            if waiting:
                early = waiting.pop(0)
                apart[early] = start_apart(BY_NAME[early], area, inputs)
            stage = BY_NAME[name]
            if not joined(upstream(set(stage.after)) - {name}):  # what it reads, if it is still being built beside
                break
            if name in apart:
                apart[name][1].send("go")  # its inputs are built: it runs now, beside the stages that do not read it
                continue
            faults.STAGE["name"] = name
            code, line = guarded(name, lambda stage=stage: stage.run(area, inputs, context))
            if code == 3 and loading is not None and IMPORT_DEADLOCK in str(line):
                # Python's import locks found this thread and the prefetch thread waiting on each other, and failed
                # this thread's import (seen once: narwhals, under Great Expectations' prefetch). Nothing was written
                # (outputs are staged); the stage runs again once the prefetch has finished.
                loading.join()
                code, line = guarded(name, lambda stage=stage: stage.run(area, inputs, context))
            if not finished(name, code, line):
                break
        if error is None:
            joined(list(apart))
    finally:
        for process, _ in apart.values():  # a stage before failed: the ones beside are not waited for
            process.kill()
            process.join()
    if loading is not None:
        loading.join(0)
    return {"ran": to_run, "why": said, "seconds": time.perf_counter() - started, "keys": stage_keys, "error": error}


def aside(name: str, to_run: list[str]) -> bool:
    """Return whether stage `name` runs in a process of its own: it imports slow modules this process has not loaded
    (a clean build: a rebuild in the workbench has them), and another stage that does not read it runs too."""
    stage = BY_NAME[name]
    if not stage.apart or any(module in sys.modules for module in stage.imports):
        return False
    return any(other != name and name not in upstream({other}) and other not in upstream({name}) for other in to_run)


def start_apart(stage: Stage, area: Area, inputs: dict):
    """Start `stage` in a new process (spawned: no state of this one is copied) that loads its slow imports at once and
    runs the stage when told "go"; return it with the two-way pipe it answers on. It is in this process group, so a
    kill of the build (Ctrl-C, the crash tests' faults) ends it too."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    here, there = context.Pipe()
    process = context.Process(target=run_apart, args=(stage.name, area, inputs, there), name=f"stage-{stage.name}", daemon=False)
    process.start()
    there.close()
    return process, here


def run_apart(name: str, area: Area, inputs: dict, pipe) -> None:
    """In the stage's own process: import what it needs, wait for "go", run it, and send back (exit code, its line)."""
    import importlib

    from pipeline import faults
    from pipeline.cli import guarded

    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    for module in BY_NAME[name].imports:
        try:
            importlib.import_module(module)
        except Exception:  # noqa: BLE001 - the stage imports it again and says what is wrong
            pass
    try:
        if pipe.recv() != "go":
            return
    except EOFError:  # the build stopped before it: nothing to do
        return
    faults.STAGE["name"] = name
    pipe.send(guarded(name, lambda: BY_NAME[name].run(area, inputs, {})))
    pipe.close()


def publish(builds: Path, links: tuple[Path, Path], say=None) -> dict:
    """Make the finished work area current (publish/stage.py); return what it did. InputError for an incomplete one."""
    from pipeline import faults
    from pipeline.publish import stage
    from pipeline.terminal import say as terminal_say

    faults.STAGE["name"] = "publish"
    result = stage.run(Path(builds), Path(links[0]), Path(links[1]))
    (say or terminal_say)(stage.summary(result))
    return result


def changed_stages(inputs_changed: set[str]) -> set[str]:
    """Return the stages a change of these inputs reruns (the graph's readers of them and all after)."""
    return readers(inputs_changed)
