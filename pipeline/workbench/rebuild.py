"""The workbench's builds: the build graph's runner (pipeline/flow/runner.py), in this process, then publish.

The process keeps the pipeline imported (the imports are most of a clean build), the runner runs only the stages
whose inputs changed by content (a verdict: dedup or tags, then the checks, the warehouse, the report, the changes),
and the stages remember their last costly work by what it read (the tag model's fit, the checks per table, the
charts). Builds take the same lock as Make (`<builds>/.build.lock`) and the same work area and state, so a `make all`
afterwards finds nothing to do, and a `make all` before finds the workbench's build current.
"""

import time
from pathlib import Path

from pipeline.workbench import files


def run(changed: set[str], inputs: dict[str, str], builds: Path, links: tuple[Path, Path], embeddings: str = "auto") -> dict:
    """Rebuild what changed (by content: `changed` only names what the watcher saw) in `builds`' work area and publish
    it; return {seconds, generation, error, log, ran}."""
    from pipeline.errors import InputError
    from pipeline.flow import runner
    from pipeline.flow.graph import Area
    from pipeline.terminal import captured

    started = time.perf_counter()
    work = Path(builds) / "work"
    with files.locked(Path(builds) / ".build.lock"), captured() as lines:  # Make's own build lock: a make all waits
        try:
            result = runner.build(inputs, builds, Area(work / "warehouse", work / "reports", embeddings), inputs_changed=changed)
            if result["error"] is not None:
                return finished(started, None, result["error"], lines, result["ran"])
            runner.publish(builds, links)
        except InputError as error:
            return finished(started, None, f"error: {error}", lines, [])
    return finished(started, (Path(builds) / "current").resolve().name, None, lines, result["ran"])


def finished(started: float, generation: str | None, error: str | None, lines: list[str], ran: list[str]) -> dict:
    return {
        "seconds": time.perf_counter() - started,
        "generation": generation,
        "error": error,
        "log": "\n".join(lines),
        "ran": ran,
    }
