"""Earlier versions of raw/, read from git without touching the working tree, and built with today's code.

`make diff BASE=<ref>` and `make history` build the bank as it was at a commit. Nothing here checks anything out:
raw/ at a commit is read with `git archive` into a folder of its own, named by the tree hash of raw/ (so two
commits with the same raw/ share one build). The build itself is the runner's (pipeline/flow/base.py), in the same
process; it never writes raw/, the published build or git's state. A failure is an InputError naming the ref, never
a traceback.
"""

import io as bytes_io
import json
import os
import shutil
import subprocess
import tarfile
from pathlib import Path

from pipeline import paths
from pipeline.errors import InputError
from pipeline.schema import EDITORS_FILES


def git(*words: str, root: Path = paths.ROOT) -> str | None:
    """Return git's output for `words` in `root`, stripped; None when git says no (its message is not needed)."""
    try:
        done = subprocess.run(["git", "-C", str(root), *words], capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise InputError("git is not installed: make diff and make history read earlier versions with it") from None
    return done.stdout.strip() if done.returncode == 0 else None


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
    log = git("log", "-1", "--format=%cI%x00%s", commit, root=root) or "\0"
    date, subject = log.split("\0", 1)
    return {"ref": ref, "commit": commit, "tree": tree, "date": date, "subject": subject}


def raw_commits(root: Path = paths.ROOT) -> list[dict]:
    """Return every commit that changed raw/, oldest first, as `resolve` gives them (empty outside a repository)."""
    listed = git("log", "--reverse", "--format=%H", "--", "raw", root=root)
    return [resolve(sha, root) for sha in (listed or "").split()]


def extract_raw(version: dict, into: Path, root: Path = paths.ROOT) -> Path:
    """Write raw/ as it is at `version` into `into/raw` (once: a finished copy is kept) and return that folder.

    The archive is unpacked into a temporary folder renamed into place, so a killed run leaves no half copy."""
    target = Path(into) / "raw"
    if target.is_dir():
        return target
    try:
        archive = subprocess.run(
            ["git", "-C", str(root), "archive", "--format=tar", version["commit"], "raw"], capture_output=True, check=True
        ).stdout
    except subprocess.CalledProcessError as error:
        message = error.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["git archive failed"]
        raise InputError(message[0], f"BASE={version['ref']}") from None
    temporary = Path(into) / f".raw-{os.getpid()}"
    shutil.rmtree(temporary, ignore_errors=True)
    temporary.mkdir(parents=True)
    try:
        with tarfile.open(fileobj=bytes_io.BytesIO(archive)) as tar:
            linked = [member for member in tar.getmembers() if member.issym() or member.islnk()]
            if linked:  # raw/ is read as plain files: a link (raw/ itself, or a file in it) is refused, never followed
                raise InputError(
                    f"raw/ at {version['commit'][:10]} holds a link ({linked[0].name} → {linked[0].linkname}): "
                    "a base is read as plain files only",
                    f"BASE={version['ref']}",
                )
            tar.extractall(temporary, filter="data")  # no absolute paths, nothing outside the folder: the archive is data
        for declared in EDITORS_FILES:  # a file added to raw/ later: at this commit the editors had none of its rows
            missing = temporary / "raw" / f"{declared.name}.csv"
            if not missing.exists():
                missing.write_text(",".join(declared.columns) + "\n", encoding="utf-8")
        (temporary / "raw").rename(target)
    except tarfile.TarError as error:
        raise InputError(
            f"raw/ at {version['commit'][:10]} cannot be read as plain files: {error}", f"BASE={version['ref']}"
        ) from None
    finally:
        shutil.rmtree(temporary, ignore_errors=True)
    return target


def check_bank_files(raw: Path, version: dict) -> None:
    """InputError naming the registry's line when raw/ at `version` registers a bank file it does not hold (the build
    itself would only warn, and the comparison would be against a bank that never existed)."""
    from pipeline.csvrows import csv_records
    from pipeline.schema import editors_file

    declared = editors_file("external_banks")
    registry = raw / f"{declared.name}.csv"
    try:
        rows = csv_records(registry.read_text(encoding="utf-8"), declared.columns, optional=declared.optional)
    except (InputError, OSError, UnicodeDecodeError):
        return  # a registry that does not parse: the build says so, with its line
    for line, bank in rows:
        file = bank.get("file") or ""
        if file and not (registry.parent / file).is_file():
            raise InputError(
                f"bank {bank.get('bank_id')!r} names the file {file!r}, which raw/ at {version['commit'][:10]} does not hold",
                f"BASE={version['ref']}: raw/{registry.name}",
                line,
            )


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
