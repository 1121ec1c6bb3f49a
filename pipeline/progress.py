"""Progress bars for long loops when a person is watching (stderr is a terminal); silence otherwise (CI, pipes)."""

import sys


def progress(iterable, total: int | None = None, description: str = ""):
    """Return `iterable`, wrapped in a tqdm bar only when stderr is a terminal."""
    if not sys.stderr.isatty():
        return iterable
    from tqdm import tqdm

    return tqdm(iterable, total=total, desc=description, leave=False, unit_scale=True)
