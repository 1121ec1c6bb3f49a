"""`make bench`: the editors' and CI's loops, timed on the real bank: `make diff` against a cached base (#22).

Each figure is a median of runs side by side in one bench run, and each target is a ratio of two figures measured
in that run, since machines differ two-fold.
"""

import os
import shutil
import statistics
import subprocess
import tempfile
from pathlib import Path

from pipeline import paths

DIFF_RATIO = 1.5  # issue #22: make diff ≤ 1.5 × a no-change make all + the cost of the current build
REPEATS = 5
EDITS = 3


def _make(args: list[str]) -> float:
    from pipeline.bench.run import measure

    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE")}
    result = measure(["make", "-s", "-C", str(paths.ROOT), *args], env)
    if result["returncode"] != 0:
        raise RuntimeError(f"make {' '.join(args[:1])} failed: {result['stderr'].strip().splitlines()[-1:]}")
    return result["wall_s"]


def _repository(folder: Path) -> Path:
    """Return a git repository holding a copy of raw/, committed (the base of every diff here)."""
    repo = folder / "repo"
    shutil.copytree(paths.RAW, repo / "raw")
    for words in (["init", "-q"], ["add", "-A"], ["-c", "user.name=b", "-c", "user.email=b@b", "commit", "-qm", "base"]):
        subprocess.run(["git", "-C", str(repo), *words], check=True, capture_output=True)
    return repo


def _reword(source: Path, original: str, number: int) -> None:
    """Reword the first question of the bank (a new word each time): the edit an editor makes."""
    first = next(line for line in original.splitlines() if line.startswith("- "))
    source.write_text(original.replace(first, f"{first} (edit {number})", 1), encoding="utf-8")


def bench_diff(repeats: int = REPEATS, edits: int = EDITS) -> dict:
    """Return medians of a no-change `make all`, a `make diff` against a cached base with nothing changed, and, after
    an editor's one-question edit, `make all` and `make diff` (the diff's extra cost is the base step alone)."""
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        repo = _repository(folder)
        raw = repo / "raw"
        names = {"SOURCE": "appendix2_interview_questions.txt", "DECISIONS": "duplicate_decisions.csv",
                 "TAG_DECISIONS": "tag_decisions.csv", "EXTERNAL_BANKS": "external_banks.csv",
                 "ALIASES": "ref_aliases.csv", "GENERIC_TERMS": "generic_terms.csv"}  # fmt: skip
        args = [f"{k}={raw / v}" for k, v in names.items()] + [f"BASE_REPO={repo}"]
        args += [f"WAREHOUSE={folder}/out/warehouse", f"REPORTS={folder}/out/reports"]
        _make(["diff", *args])  # the base is built once, here; the current build too
        diff_noop = [_make(["diff", *args]) for _ in range(repeats)]
        _make(["all", *args])  # switches the comparison off once
        all_noop = [_make(["all", *args]) for _ in range(repeats)]
        source, original = raw / names["SOURCE"], (raw / names["SOURCE"]).read_text(encoding="utf-8")
        all_edit, diff_edit = [], []
        for number in range(edits):
            _reword(source, original, 2 * number)
            _make(["all", *args])  # the comparison off, settled
            _reword(source, original, 2 * number + 1)
            all_edit.append(_make(["all", *args]))
            _reword(source, original, 2 * number)
            _make(["diff", *args])  # the comparison on, settled
            _reword(source, original, 2 * number + 1)
            diff_edit.append(_make(["diff", *args]))
    out = {
        "repeats": repeats,
        "all_noop_median_s": statistics.median(all_noop),
        "diff_cached_noop_median_s": statistics.median(diff_noop),
        "all_after_edit_median_s": statistics.median(all_edit),
        "diff_after_edit_median_s": statistics.median(diff_edit),
        "runs_s": {"all_noop": all_noop, "diff_noop": diff_noop, "all_edit": all_edit, "diff_edit": diff_edit},
    }
    allowance = DIFF_RATIO * out["all_noop_median_s"]
    out["diff_extra_after_edit_s"] = round(out["diff_after_edit_median_s"] - out["all_after_edit_median_s"], 3)
    out["diff_extra_noop_s"] = round(out["diff_cached_noop_median_s"] - out["all_noop_median_s"], 3)
    out["allowance_s"] = round(allowance, 3)
    out["met"] = out["diff_cached_noop_median_s"] <= allowance + out["all_noop_median_s"] and out["diff_after_edit_median_s"] <= (
        allowance + out["all_after_edit_median_s"]
    )
    return out
