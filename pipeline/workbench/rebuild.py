"""The workbench's builds: the stages `make all` runs, in-process, for what changed under raw/, then published.

The process keeps the pipeline imported (the imports are most of a clean build), and the stages remember their last
costly work by what it read (the tag model's fit, the checks per table, the charts), so a verdict costs the
stages that read it: dedup or tags, then the checks, the warehouse, the report, the changes and publish. Builds take
the same lock as Make (`<builds>/.build.lock`), write the same work area and leave Make's stamps current, so a
`make all` afterwards finds nothing to do.
"""

import os
import time
from pathlib import Path

from pipeline.workbench import files

FULL = ("SOURCE", "EXTERNAL_BANKS")  # an input every stage reads from: everything is built again
STAMPS = (  # Make's stage stamps, in its order (Makefile): touched after a build, oldest first
    "warehouse/.ingest.done",
    "warehouse/.external.done",
    "warehouse/.tags.done",
    "warehouse/.dedup.done",
    "warehouse/.overlap.done",
    "reports/.check.done",
    "warehouse/.warehouse.done",
    "reports/.report.done",
    "reports/.changes.done",
)


def plan(changed: set[str], inputs: dict[str, str], work: Path, points: Path, embeddings: str = "auto") -> list[list[str]]:
    """Return the command lines (`python -m pipeline` words) that rebuild what `changed` (input names) affects. Pure."""
    w, r = str(work / "warehouse"), str(work / "reports")
    full = bool(changed & set(FULL))
    steps = []
    if full:
        steps.append(["ingest", "--source", inputs["SOURCE"], "--warehouse", w, "+", "external", "--warehouse", w,
                      "--registry", inputs["EXTERNAL_BANKS"], "+", "embed", "--warehouse", w, "--embeddings", embeddings])  # fmt: skip
    dedup = ["dedup", "--warehouse", w, "--decisions", inputs["DECISIONS"], "--reports", r, "--embeddings", embeddings]
    if full:  # joined as Make joins them: overlap hands the bank's vector space to dedup
        steps.append(["overlap", "--warehouse", w, "--reports", r, "--embeddings", embeddings, "+", *dedup])
    elif "DECISIONS" in changed:
        steps.append(dedup)
    if full or "TAG_DECISIONS" in changed:
        steps.append(
            ["tags", "--warehouse", w, "--decisions", inputs["TAG_DECISIONS"], "--reports", r, "--embeddings", embeddings]
        )
    if full or changed & {"DECISIONS", "TAG_DECISIONS"}:
        steps.append(["check", "--warehouse", w, "--reports", r])
    if steps or changed & {"ALIASES", "GENERIC_TERMS", "VERDICT_HISTORY"}:
        history = ["--verdict-history", inputs["VERDICT_HISTORY"]] if inputs.get("VERDICT_HISTORY") else []
        steps.append(
            ["warehouse", "--warehouse", w, "--aliases", inputs["ALIASES"], "--generic-terms", inputs["GENERIC_TERMS"], *history]
        )
        steps.append(["report", "--warehouse", w, "--reports", r])
        steps.append(["changes", "--warehouse", w, "--reports", r, "--points", str(points)])
    return steps


def touch_stamps(work: Path, embeddings: str) -> None:
    """Make Make's stage stamps newer than the inputs' stamps, in Make's order: its next run has nothing to do."""
    now = time.time_ns()
    marks = [f"warehouse/.mode-{embeddings}", "warehouse/.compare-off", *STAMPS]
    for path in Path(work).glob("warehouse/.compare-*"):
        path.unlink()
    for step, relative in enumerate(marks, 1):
        path = Path(work) / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()
        os.utime(path, ns=(now + step * 1000, now + step * 1000))


def run(changed: set[str], inputs: dict[str, str], builds: Path, links: tuple[Path, Path], embeddings: str = "auto") -> dict:
    """Rebuild what `changed` affects in `builds`' work area and publish it; return {seconds, generation, error, log}."""
    from pipeline import cli
    from pipeline.terminal import captured

    work = Path(builds) / "work"
    started = time.perf_counter()
    steps = plan(changed, inputs, work, Path(builds) / "history.json", embeddings)
    stamps = ["inputs", "--stamps", str(work / "warehouse"), *(f"{k}={v}" for k, v in inputs.items())]
    publish = ["publish", "--builds", str(builds), "--warehouse", str(links[0]), "--reports", str(links[1])]
    with files.locked(Path(builds) / ".build.lock"), captured() as lines:  # Make's own build lock: a make all waits
        for words in [*steps, stamps]:
            if cli.main(words) not in (0, 1):
                said = [line for line in lines if line.startswith("error:")] or ["a stage failed"]
                return finished(started, None, said[-1], lines)
        touch_stamps(work, embeddings)
        if cli.main(publish) != 0:
            return finished(started, None, "publish failed", lines)
    return finished(started, (Path(builds) / "current").resolve().name, None, lines)


def finished(started: float, generation: str | None, error: str | None, lines: list[str]) -> dict:
    return {"seconds": time.perf_counter() - started, "generation": generation, "error": error, "log": "\n".join(lines)}
