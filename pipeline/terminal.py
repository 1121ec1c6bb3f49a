"""What the command line shows a person: lines with no raw control character, paths as the reader will find them."""

import contextlib
import os
import threading
from pathlib import Path

from pipeline.escaping import visible

_CAPTURED = threading.local()  # a thread whose stages' lines are kept, not printed (the workbench's builds)


def say(*parts, file=None) -> None:
    """Print to the terminal with every control character from the data written out (`\\x1b`), never sent raw."""
    kept = getattr(_CAPTURED, "lines", None)
    if kept is not None:
        kept.append(visible(" ".join(map(str, parts))))
        return
    print(visible(" ".join(map(str, parts))), file=file)


@contextlib.contextmanager
def captured():
    """Keep the lines `say` prints in this thread (other threads print as before); yield the list they go to."""
    _CAPTURED.lines = lines = []
    try:
        yield lines
    finally:
        _CAPTURED.lines = None


def shown_report(path: Path, reports: Path) -> str:
    """Return `path`, a file the stage wrote into `reports`, as a reader will open it (see `_shown`)."""
    return _shown(path, reports, "PIPELINE_SHOW_REPORTS")


def shown_table(path: Path, warehouse: Path) -> str:
    """Return `path`, a file the stage wrote into `warehouse`, as a reader will open it (see `_shown`)."""
    return _shown(path, warehouse, "PIPELINE_SHOW_WAREHOUSE")


def _shown(path: Path, folder: Path, variable: str) -> str:
    """Under Make, stages write into the work area and `variable` names the published link readers open instead;
    run by hand, the path is shown as it is."""
    link = os.environ.get(variable)
    return str(Path(link) / Path(path).relative_to(folder)) if link else str(path)
