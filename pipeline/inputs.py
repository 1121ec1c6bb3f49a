"""What each input of a build is, by path and content: the stamps Make's stages depend on. Pure but for `write_stamps`.

Make compares times only, so an older file given by another path (`make all SOURCE=older.txt`) looked like no change
and the last build stayed. Each input instead gets a stamp file holding its real path and the hash of its bytes (for
the banks' registry, of every bank file it names too); a stamp is rewritten only when that changes, so Make reruns
exactly the stages whose inputs changed, and a file touched but not changed costs nothing.
"""

import hashlib
import os
from pathlib import Path

from pipeline.io import checked_file
from pipeline.limits import APPENDIX_MAX_BYTES


def file_digest(path: Path) -> str:
    """Return the SHA-256 of a checked regular file's bytes."""
    digest = hashlib.sha256()
    with open(checked_file(path, APPENDIX_MAX_BYTES), "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fingerprint(path: Path, companions=()) -> str:
    """Return the stamp text of one input: its real path and digest, then those of the files it names (a registry's banks)."""
    return "".join(f"{Path(p).resolve()} {file_digest(p)}\n" for p in (path, *companions))


def write_stamps(folder: Path, inputs: dict[str, Path], companions: dict | None = None) -> list[str]:
    """Write `<folder>/.input-<NAME>` for each input whose path or content changed; return the names rewritten.

    `companions` maps an input's name to the files it names (the banks' registry: its bank files), which count as
    part of it. Every input is checked first, so one that cannot be read fails the run before any stamp moves.
    """
    return write_texts(folder, {name: fingerprint(path, (companions or {}).get(name, ())) for name, path in inputs.items()})


def write_texts(folder: Path, texts: dict[str, str]) -> list[str]:
    """Write each input's stamp text (its fingerprint) where it changed; return the names rewritten."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    changed = []
    for name, text in texts.items():
        stamp = folder / f".input-{name}"
        try:
            if stamp.read_text(encoding="utf-8") == text:
                continue
        except (OSError, UnicodeDecodeError):
            pass
        scratch = stamp.with_name(stamp.name + ".tmp")
        scratch.write_text(text, encoding="utf-8")
        os.replace(scratch, stamp)
        changed.append(name)
    return changed
