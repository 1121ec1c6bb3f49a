"""Earlier versions of raw/, read from git without touching the working tree, and built with today's code.

`make diff BASE=<ref>` and `make history` build the bank as it was at a commit. Nothing here checks anything out, and
raw/ at a commit is never read whole: only the files the build reads are (each input, by its name at that commit, git's
rename detection following a file renamed since; and the bank files the registry there names), each under the size
limit the build itself applies (pipeline/limits.py), streamed from git into a file. They go into a folder of their own
named by the tree hash of raw/ (two commits with the same raw/ share one build). The build itself is the runner's
(pipeline/flow/base.py), in the same process; it never writes raw/, the published build or git's state. A failure is
an InputError naming the ref, the commit and the file as the person knows it, never a traceback.
"""

import json
import os
import posixpath
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import NamedTuple

from pipeline import limits, paths
from pipeline.errors import InputError
from pipeline.flow.graph import INPUTS
from pipeline.schema import EDITORS_FILES_BY_NAME


def git(*words: str, root: Path = paths.ROOT, strip: bool = True, env: dict | None = None) -> str | None:
    """Return git's output for `words` in `root` (stripped unless told); None when git says no (its message is not
    needed). `env` adds to the environment (a temporary index)."""
    try:
        done = subprocess.run(
            ["git", "-C", str(root), *words],
            capture_output=True,
            encoding="utf-8",
            errors="surrogateescape",
            env={**os.environ, **env} if env else None,
            check=False,
        )
    except FileNotFoundError:
        raise InputError("git is not installed: make diff and make history read earlier versions with it") from None
    if done.returncode != 0:
        return None
    return done.stdout.strip() if strip else done.stdout


def resolve(ref: str, root: Path = paths.ROOT) -> dict:
    """Return {ref, commit, tree, date, subject} of `ref` and its raw/ folder; InputError (one line) when it cannot be
    compared: not a repository, no commits yet, not a commit, a shallow clone without it, or no raw/ there."""
    where = f"BASE={ref}"
    if not ref or ref.startswith("-"):
        raise InputError("not a git ref", where)
    if any(ord(c) < 32 or ord(c) == 127 for c in ref):  # a newline or control character: never a ref, never run
        raise InputError("not a git ref: it holds a newline or a control character", f"BASE={ref!r}")
    if git("rev-parse", "--git-dir", root=root) is None:
        raise InputError(f"{root} is not a git repository: there is no earlier version to compare with", where)
    commit = git("rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}", root=root)
    if commit is None:
        if git("rev-parse", "--verify", "--quiet", "HEAD", root=root) is None:
            raise InputError("the repository has no commit yet: there is no base to compare with", where)
        if git("rev-parse", "--is-shallow-repository", root=root) == "true":
            raise InputError(
                f"not in this shallow clone: fetch it first (git fetch --unshallow, or git fetch origin {ref})", where
            )
        raise InputError("not a commit of this repository (a branch, tag or sha that git rev-parse knows)", where)
    tree = git("rev-parse", "--verify", "--quiet", f"{commit}:raw", root=root)
    if tree is None:
        raise InputError(f"commit {commit[:10]} has no raw/ folder: there is no bank to compare with", where)
    if git("cat-file", "-t", tree, root=root) != "tree":
        raise InputError(f"raw/ at {commit[:10]} is not a folder (a link?): a base is read as plain files only", where)
    log = git("log", "-1", "--format=%cI%x00%s", commit, root=root) or "\0"
    date, subject = log.split("\0", 1)
    return {"ref": ref, "commit": commit, "tree": tree, "date": date, "subject": subject}


def raw_commits(root: Path = paths.ROOT) -> list[dict]:
    """Return every commit that changed raw/, oldest first, as `resolve` gives them (empty outside a repository)."""
    listed = git("log", "--reverse", "--format=%H", "--", "raw", root=root)
    return [resolve(sha, root) for sha in (listed or "").split()]


class Entry(NamedTuple):
    """One path of a commit's tree, as `git ls-tree -l` lists it."""

    mode: str  # 100644 a file, 100755 an executable, 120000 a link, 160000 a submodule
    kind: str  # blob, tree or commit
    object: str
    size: int | None  # bytes, for a blob


def parse_tree(listing: str) -> dict[str, Entry]:
    """Return each path of `git ls-tree -r -l -z` output with its entry. Pure."""
    out = {}
    for record in listing.split("\0"):
        if record:
            meta, _, path = record.partition("\t")
            mode, kind, sha, size = meta.split()
            out[path] = Entry(mode, kind, sha, int(size) if size.isdigit() else None)
    return out


def parse_renames(diff: str) -> dict[str, str]:
    """Return {new path: old path} for each rename in `git diff --name-status -z` output. Pure."""
    words, out, at = diff.split("\0"), {}, 0
    while at < len(words) and words[at]:
        status = words[at]
        if status[0] in "RC":  # a rename or a copy: status, old path, new path
            if status[0] == "R":
                out[words[at + 2]] = words[at + 1]
            at += 3
        else:
            at += 2
    return out


def inside_raw(path: str, root: Path) -> str | None:
    """Return `path` (relative to the project, as Make gives it) as the repository `root` names it (raw/…), or None
    when it is not under the repository's raw/ (an input given from elsewhere is read as given). Pure."""
    absolute = Path(os.path.abspath(Path(paths.ROOT, path)))
    inside = Path(os.path.abspath(root)) / "raw"
    return (Path("raw") / absolute.relative_to(inside)).as_posix() if absolute.is_relative_to(inside) else None


def bank_paths(registry_text: str, registry: str) -> list[tuple[int, dict, str | None]]:
    """Return (line, row, path in the tree) for each row of a registry (at `registry`, a path in the tree) naming a
    file; the path is None for a file outside the registry's folder (the build refuses that row, with its line). Pure:
    [] for a registry that does not parse (the build says so, with its line)."""
    from pipeline.csvrows import csv_records

    declared = EDITORS_FILES_BY_NAME["external_banks"]
    try:
        rows = csv_records(registry_text, declared.columns, optional=declared.optional)
    except InputError:
        return []
    folder = posixpath.dirname(registry)
    out = []
    for line, bank in rows:
        file = bank.get("file") or ""
        if file:
            path = posixpath.normpath(posixpath.join(folder, file))
            out.append((line, bank, None if posixpath.isabs(file) or not path.startswith(folder + "/") else path))
    return out


def at(version: dict) -> str:
    """Return how a version is named to a person: its ref and short commit (the commit alone when it is the ref)."""
    short = version["commit"][:10]
    return short if version["commit"].startswith(version["ref"]) else f"{version['ref']} ({short})"


def tree_entries(version: dict, root: Path = paths.ROOT) -> dict[str, Entry]:
    """Return every path under raw/ at `version` with its entry (names and sizes only: no file is read)."""
    listing = git("--literal-pathspecs", "ls-tree", "-r", "-l", "-z", version["commit"], "--", "raw", root=root, strip=False)
    if listing is None:
        raise InputError(f"git cannot list raw/ at {at(version)}", f"BASE={version['ref']}")
    return parse_tree(listing)


def renamed_from(commit: str, wanted: list[str], root: Path = paths.ROOT) -> dict[str, str]:
    """Return {path: its name at `commit`} for each of `wanted` (paths under raw/ as the working tree names them) that
    git's rename detection finds renamed since `commit`, between that commit and the working tree.

    A path not yet added to git is seen too: it is added, intent-to-add only (no content), to a temporary copy of the
    index. The index, the working tree and the object store are never written."""
    with tempfile.TemporaryDirectory(prefix="pipeline-index-") as scratch:
        index = Path(scratch) / "index"
        env = {"GIT_INDEX_FILE": str(index), "GIT_OPTIONAL_LOCKS": "0"}
        own = git("rev-parse", "--git-path", "index", root=root)
        if own and Path(root, own).is_file():
            shutil.copyfile(Path(root, own), index)
        else:
            git("read-tree", "HEAD", root=root, env=env)
        present = [path for path in wanted if Path(root, path).is_file()]
        if present:
            git("--literal-pathspecs", "add", "--intent-to-add", "--force", "--", *present, root=root, env=env)
        diff = git("diff", "--no-ext-diff", "-M", "--name-status", "-z", commit, "--", "raw", root=root, env=env, strip=False)
    return {path: old for path, old in parse_renames(diff or "").items() if path in wanted}


def input_limit(name: str) -> tuple[int, str]:
    """Return the size limit the build applies to the input `name` (graph.INPUTS), and what it calls that input."""
    if name == "SOURCE":
        return limits.APPENDIX_MAX_BYTES, "the appendix"
    return limits.CSV_MAX_BYTES, "an editors' CSV file"


def copy_file(version: dict, entry: Entry, path: str, into: Path, shown: str, limit: tuple[int, str], root: Path) -> Path:
    """Write the file `path` of `version`'s tree to `into/path`, streamed from git straight into the file (its bytes
    never pass through this process), and return it; a finished copy is kept. InputError naming `shown` (the file as
    the person knows it, at the commit) for a link, a folder, or a file over `limit`: refused before it is read."""
    where = f"BASE={version['ref']}"
    if entry.mode == "120000":  # raw/ is read as plain files: a link is refused, never followed
        target = git("cat-file", "blob", entry.object, root=root) if (entry.size or 0) < 4096 else "…"
        raise InputError(f"raw/ at {at(version)} holds a link ({path} → {target}): a base is read as plain files only", where)
    if entry.kind != "blob" or entry.size is None:
        raise InputError(f"is a {'folder' if entry.kind == 'tree' else entry.kind} there, not a file", shown)
    if entry.size > limit[0]:
        raise InputError(f"is {entry.size:,} bytes, over the limit of {limit[0]:,} for {limit[1]} (docs/reliability.md): refused unread", shown)  # fmt: skip
    if any(part in ("", ".", "..") for part in path.split("/")):  # git's own trees never hold these; a forged one might
        raise InputError(f"the path {path!r} is not a plain path", shown)
    target = Path(into) / path
    if target.is_file() and target.stat().st_size == entry.size:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        with open(temporary, "wb") as out:
            done = subprocess.run(["git", "-C", str(root), "cat-file", "blob", entry.object], stdout=out, stderr=subprocess.PIPE, check=False)  # fmt: skip
        if done.returncode != 0 or temporary.stat().st_size != entry.size:
            said = done.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["a short read"]
            raise InputError(f"git cannot read it: {said[0]}", shown)
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
    return target


def base_inputs(
    version: dict, into: Path, given: dict[str, str], root: Path = paths.ROOT
) -> tuple[dict[str, str], dict[str, str]]:
    """Return the inputs that build raw/ at `version`, and how a person knows each copy (copy path → words).

    Only what the build reads is read from git: each input given inside the repository's raw/, by its name at that
    commit (the same, or the name git's rename detection finds it renamed from), and the bank files the registry
    there names; each under the build's own size limit, streamed into `into`. An input given from elsewhere stays as
    given. An editors' file that did not exist then is read as its header and no rows (no editor had decided anything
    there); a missing appendix, or a bank file the registry names but the commit does not hold, is one InputError."""
    given = {name: given.get(name) or str(default) for name, default in INPUTS.items()}
    entries = tree_entries(version, root)
    wanted = {name: inside_raw(path, root) for name, path in given.items()}
    missing = [path for path in wanted.values() if path and path not in entries]
    renamed = renamed_from(version["commit"], missing, root) if missing else {}
    inputs, shown = dict(given), {}
    for name, path in wanted.items():
        if path is None:
            continue
        known = renamed.get(path, path)
        label = f"{path} at {at(version)}" + (f", named {known} there" if known != path else "")
        if known not in entries:
            declared = EDITORS_FILES_BY_NAME.get(Path(INPUTS[name]).stem)
            if declared is None:
                raise InputError("no such file, nor a file it was renamed from", f"{path} at {at(version)}")
            copy = Path(into) / "absent" / f"{declared.name}.csv"
            if not copy.is_file():
                copy.parent.mkdir(parents=True, exist_ok=True)
                scratch = copy.with_name(f".{copy.name}.{os.getpid()}.tmp")
                scratch.write_text(",".join(declared.columns) + "\n", encoding="utf-8")
                os.replace(scratch, copy)
            inputs[name], shown[str(copy)] = str(copy), f"{path} at {at(version)} (absent there: read as no rows)"
            continue
        copy = copy_file(version, entries[known], known, into, label, input_limit(name), root)
        inputs[name], shown[str(copy)] = str(copy), label
        if name == "EXTERNAL_BANKS":
            copy_banks(version, entries, known, copy, label, into, root, shown)
    return inputs, shown


def copy_banks(version: dict, entries: dict, registry: str, copy: Path, label: str, into: Path, root: Path, shown: dict) -> None:
    """Copy the bank files the registry (`registry` in the tree, read from `copy`) names, beside it as in the tree.
    InputError naming the registry's line for a file the commit does not hold (the build itself would only warn, and
    the comparison would be against a bank that never existed)."""
    from pipeline.io import read_text

    try:
        text = read_text(copy, limits.CSV_MAX_BYTES)
    except InputError:
        return  # the build says what is wrong with it
    for line, bank, path in bank_paths(text, registry):
        if path is None:
            continue  # outside the registry's folder: the build refuses the row, with its line
        if path not in entries:
            raise InputError(
                f"bank {bank.get('bank_id')!r} names the file {bank['file']!r}, which raw/ at {at(version)} does not hold",
                label,
                line,
            )
        bank_copy = copy_file(version, entries[path], path, into, f"{path} at {at(version)}", (limits.BANK_MAX_BYTES, "a bank"), root)  # fmt: skip
        shown[str(bank_copy)] = f"{path} at {at(version)}"


def write_if_changed(path: Path, record: dict) -> bool:
    """Write `record` as JSON to `path` unless it already holds it (Make then sees no change); return whether it wrote."""
    text = json.dumps(record, indent=1, sort_keys=True) + "\n"
    path = Path(path)
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)
    return True
