"""Keys made from text: the ids of questions, sections, references and external questions. Pure.

An id is a hash of the normalised text, so it survives renumbering and moves, and changes when the wording does.
Used by ingest, check, external and dedup, so it lives below all of them.
"""

import hashlib
import unicodedata


def collapse_whitespace(text: str) -> str:
    """Return `text` with runs of white space folded to one space and the ends stripped."""
    return " ".join(text.split())


def text_fingerprint(text: str) -> str:
    """Return the 16-hex-digit hash of `text` after NFKC, case folding and white space folding."""
    normalised = collapse_whitespace(unicodedata.normalize("NFKC", text).casefold())
    return hashlib.sha1(normalised.encode("utf-8")).hexdigest()[:16]


def stable_ids(prefix: str, texts: list[str]) -> list[str]:
    """Return one id per text: prefix + fingerprint, with `-2`, `-3` … on later repeats of the same text."""
    seen: dict[str, int] = {}
    ids = []
    for text in texts:
        base = prefix + text_fingerprint(text)
        seen[base] = seen.get(base, 0) + 1
        ids.append(base if seen[base] == 1 else f"{base}-{seen[base]}")
    return ids
