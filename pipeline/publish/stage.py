"""The publish stage: make one complete build visible to readers at once, or change nothing.

Make builds every stage into a work area (`<builds>/work/warehouse`, `<builds>/work/reports`), never where readers
look. When every stage has finished, this stage:

1. checks the work area is complete (every table, the database, the reports) and that the database has no
   write-ahead log beside it (it was checkpointed and closed);
2. copies it into a new generation folder `<builds>/gen-<time>` by hard links (no data is copied; the stages
   never change a file in place, they replace it, so a generation never changes after it is made), under a
   temporary name that becomes the real one by a rename;
3. points `<builds>/current` at it by renaming a new symbolic link over the old one: one atomic step;
4. makes sure `warehouse/` and `reports/` are the symbolic links `<builds>/current/warehouse` and `…/reports`;
5. deletes generations but the current one and the one before it (a reader that opened the old database keeps
   its files), and leftover temporary folders.

So at any instant `warehouse/` and `reports/` show the last complete build or the new one, never a mix; a failed or
killed run leaves the last published build as it was, and the next `make all` finishes the job.
"""

import os
import shutil
import time
from pathlib import Path

from pipeline import paths
from pipeline.errors import InputError
from pipeline.faults import reached
from pipeline.schema import REPORT_FILES, TABLES

REQUIRED = {  # what a complete build holds, from the declarations: every reader finds these
    "warehouse": tuple(f"{declared.name}.parquet" for declared in TABLES) + (paths.DUCKDB_FILE,),
    "reports": tuple(report.name for report in REPORT_FILES if not report.optional),
}
KEEP = 2  # generations kept: the current one and the one before it


def _files(folder: Path) -> dict[str, Path]:
    """Return the files a build publishes (dotfiles and scratch folders are the work area's own), by relative path."""
    out = {}
    for path in sorted(Path(folder).rglob("*")):
        relative = path.relative_to(folder)
        if path.is_file() and not any(part.startswith(".") for part in relative.parts):
            out[str(relative)] = path
    return out


def check_complete(work: Path) -> None:
    """Raise InputError if the work area is not a complete, consistent build."""
    for part, names in REQUIRED.items():
        for name in names:
            if not (work / part / name).is_file():
                raise InputError(f"the build is incomplete: {part}/{name} is missing (run `make all`)", str(work / part))
    for wal in (work / "warehouse").glob("*.wal"):
        raise InputError("the database has a write-ahead log beside it (it was not checkpointed): not published", str(wal))


def _same(work: Path, generation: Path) -> bool:
    """Return whether `generation` holds exactly the work area's files (the same inodes: hard links of them)."""
    built, published = _files(work), _files(generation)
    return built.keys() == published.keys() and all(os.stat(built[k]).st_ino == os.stat(published[k]).st_ino for k in built)


def _link_tree(source: Path, destination: Path) -> None:
    for relative, path in _files(source).items():
        target = destination / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(path, target)
        except OSError:  # another file system, or one without hard links: copy
            shutil.copy2(path, target)


def _point(link: Path, target: Path) -> None:
    """Make `link` a symbolic link to `target` (relative), replacing an old link in one rename."""
    relative = os.path.relpath(target, link.parent)
    if link.is_symlink() and os.readlink(link) == relative:
        return
    if link.exists() and not link.is_symlink():  # a folder from before builds were published: moved aside, kept once
        link.rename(target.parent.parent / f"legacy-{link.name}-{time.time_ns()}")
    temporary = link.parent / f".{link.name}.link-{os.getpid()}"
    temporary.unlink(missing_ok=True)
    os.symlink(relative, temporary)
    os.replace(temporary, link)


def _prune(builds: Path, current: Path) -> None:
    """Delete the generations but the last KEEP (the current one always among them) and leftover temporary folders."""
    generations = sorted(p.resolve() for p in builds.glob("gen-*") if p.is_dir())  # one kind of path on both sides
    keep = set(generations[-KEEP:]) | {current.resolve()}
    for path in generations:
        if path not in keep:
            shutil.rmtree(path, ignore_errors=True)
    for path in list(builds.glob(".tmp-*")) + list(builds.glob("legacy-*")):
        shutil.rmtree(path, ignore_errors=True)


def run(builds: Path, warehouse: Path, reports: Path) -> dict:
    """Publish the work area of `builds` as the current build; return what was done."""
    builds, work = Path(builds), Path(builds) / "work"
    current = builds / "current"
    check_complete(work)
    published = current.is_symlink() and current.resolve().is_dir() and _same(work, current.resolve())
    try:
        if not published:
            name = f"gen-{time.time_ns()}"
            temporary = builds / f".tmp-{name}"
            _link_tree(work, temporary)
            reached("linked")
            temporary.rename(builds / name)
            _point(current, builds / name)
            reached("switched")
        _point(Path(warehouse), current / "warehouse")
        _point(Path(reports), current / "reports")
        _prune(builds, current)
    except OSError as error:
        raise OSError(error.errno, error.strerror, error.filename or str(builds)) from None
    return {"published": not published, "generation": current.resolve().name, "files": len(_files(work))}


def summary(result: dict) -> str:
    """Return the one-line terminal summary of a publish."""
    if not result["published"]:
        return f"publish: nothing changed; {result['generation']} stays current"
    return f"publish: {result['files']} files now current as {result['generation']} (warehouse/ and reports/ switched at once)"
