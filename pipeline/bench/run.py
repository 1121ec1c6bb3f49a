"""`make bench`: time every stage, and `make all`, on the real appendix and on generated ones.

Reports wall time and peak memory per stage and size, the recall of the injected near-duplicates at the
default threshold, and medians of repeated runs of `make all` on the real appendix. Writes reports/bench.json
and prints a table. A benchmark, not a test: nothing here fails on speed.
"""

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from pipeline import paths

STAGES = ("ingest", "external", "check", "dedup", "overlap", "warehouse", "report")
TARGETS = {  # (stages summed, seconds, MiB) per size: the targets of issue #6
    100_000: (("ingest", "dedup", "warehouse"), 60, 2048),
    1_000_000: (("ingest", "dedup", "warehouse"), 900, 8192),
}
MAKE_ALL_TARGETS = {  # figure of bench_make_all: (name, seconds); the real appendix, warm virtual environment
    "clean_median_s": ("make all, clean", 5.0),
    "noop_median_s": ("make all, nothing changed", 0.5),
}
MAKE_ALL_REPEATS = 5


def measure(command: list[str], env: dict | None = None) -> dict:
    """Return wall time, peak memory and output of `command`, run under the measuring wrapper."""
    wrapper = [sys.executable, "-m", "pipeline.bench.measure", "--", *command]
    finished = subprocess.run(wrapper, capture_output=True, text=True, cwd=paths.ROOT, env=env)
    return json.loads(finished.stdout)


def stage_command(stage: str, source: Path, warehouse: Path, reports: Path, decisions: Path) -> list[str]:
    """Return the CLI command of one stage on the given input and folders."""
    base = [sys.executable, "-m", "pipeline", stage]
    return {
        "ingest": base + ["--source", str(source), "--warehouse", str(warehouse)],
        "external": base + ["--warehouse", str(warehouse)],
        "overlap": base + ["--warehouse", str(warehouse), "--reports", str(reports)],
        "check": base + ["--warehouse", str(warehouse), "--reports", str(reports)],
        "dedup": base + ["--warehouse", str(warehouse), "--decisions", str(decisions), "--reports", str(reports)],
        "warehouse": base + ["--warehouse", str(warehouse)],
        "report": base + ["--warehouse", str(warehouse), "--reports", str(reports)],
    }[stage]


def recall(warehouse: Path, injected: list[dict]) -> dict:
    """Return how many injected pairs the dedup stage flagged."""
    import pyarrow.parquet as pq

    questions = pq.read_table(warehouse / "questions.parquet", columns=["question_id", "label"]).to_pydict()
    by_label = dict(zip(questions["label"], questions["question_id"]))
    pairs = pq.read_table(warehouse / "duplicate_pairs.parquet", columns=["question_id_a", "question_id_b", "is_flagged"]).to_pydict()
    flagged = {frozenset(p) for p, f in zip(zip(pairs["question_id_a"], pairs["question_id_b"]), pairs["is_flagged"]) if f}
    found = [frozenset((by_label[p["label_a"]], by_label[p["label_b"]])) in flagged for p in injected]
    kinds = sorted({p["kind"] for p in injected})
    return {
        "injected": len(injected),
        "flagged_injected": sum(found),
        "recall": round(sum(found) / len(injected), 4) if injected else None,
        "recall_by_kind": {k: round(sum(f for f, p in zip(found, injected) if p["kind"] == k) / sum(p["kind"] == k for p in injected), 4) for k in kinds},
        "flagged_pairs": len(flagged),
        "flagged_not_injected": len(flagged) - sum(found),
    }


def bench_size(size: int | None, folder: Path, real_tables: dict) -> dict:
    """Return per-stage figures for the real appendix (size None) or a generated one of `size` questions."""
    from pipeline.bench.generate import generate
    from pipeline.ingest.render import render_appendix

    folder.mkdir(parents=True)
    decisions = folder / "decisions.csv"
    decisions.write_text("question_id_a,question_id_b,verdict,reviewer,date,note\n", encoding="utf-8")
    injected = []
    if size is None:
        source = paths.SOURCE
    else:
        tables, injected = generate(real_tables, size, seed=size)
        source = folder / "appendix.txt"
        source.write_text(render_appendix(tables, "pdf"), encoding="utf-8")
    warehouse, reports = folder / "warehouse", folder / "reports"
    stages = {}
    for stage in STAGES:
        result = measure(stage_command(stage, source, warehouse, reports, decisions))
        stages[stage] = {"wall_s": result["wall_s"], "peak_mib": result["peak_mib"], "ok": result["returncode"] in (0, 1)}
        print(f"  {('real' if size is None else size):>9} {stage:<10} {result['wall_s']:>8.2f} s {result['peak_mib']:>8.0f} MiB"
              + ("" if stages[stage]["ok"] else f"  FAILED: {result['stderr'].strip().splitlines()[-1:]}"), flush=True)  # fmt: skip
    figures = {"size": size or len(real_tables["questions"]), "stages": stages}
    if injected:
        figures["duplicates"] = recall(warehouse, injected)
    return figures


def bench_make_all(repeats: int) -> dict:
    """Return medians of `make all` from a clean warehouse and of `make all` with nothing changed, on the real appendix."""
    clean, noop = [], []
    with tempfile.TemporaryDirectory() as folder:
        args = ["make", "-s", "all", f"WAREHOUSE={folder}/wh", f"REPORTS={folder}/rep"]
        env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE")}
        for _ in range(repeats):
            for path in Path(folder).iterdir():  # the links and the builds folder beside them (.wh-builds)
                path.unlink() if path.is_symlink() else shutil.rmtree(path)
            clean.append(measure(args, env)["wall_s"])
            noop.append(measure(args, env)["wall_s"])
    return {"repeats": repeats, "clean_median_s": statistics.median(clean), "clean_runs_s": clean,
            "noop_median_s": statistics.median(noop), "noop_runs_s": noop}  # fmt: skip


def verdicts(results: list[dict], make_all: dict | None = None) -> list[dict]:
    """Return each target with the measured figure and whether it is met."""
    out = []
    for key, (name, seconds) in MAKE_ALL_TARGETS.items() if make_all else ():
        out.append({"size": name, "stages": "median of runs", "wall_s": make_all[key], "target_s": seconds, "met": make_all[key] <= seconds})
    for result in results:
        target = TARGETS.get(result["size"])
        if not target:
            continue
        stages, seconds, mib = target
        wall = round(sum(result["stages"][s]["wall_s"] for s in stages), 2)
        peak = max(result["stages"][s]["peak_mib"] for s in stages)
        rec = result.get("duplicates", {}).get("recall")
        out.append({"size": result["size"], "stages": "+".join(stages), "wall_s": wall, "target_s": seconds, "peak_mib": peak,
                    "target_mib": mib, "recall": rec, "target_recall": 0.95,
                    "met": wall <= seconds and peak <= mib and (rec is None or rec >= 0.95)})  # fmt: skip
    return out


def main(argv: list[str]) -> int:
    from pipeline.ingest.parse import parse_appendix

    sizes = [int(s) for s in argv] if argv else [10_000, 100_000]
    real_tables = parse_appendix(paths.SOURCE.read_text(encoding="utf-8"))
    report = {"machine": {"cores": os.cpu_count()}, "sizes": []}
    print(f"make all on the real appendix ({MAKE_ALL_REPEATS} runs each):", flush=True)
    report["make_all"] = bench_make_all(MAKE_ALL_REPEATS)
    print(f"  clean: median {report['make_all']['clean_median_s']:.2f} s (runs {report['make_all']['clean_runs_s']}); "
          f"nothing changed: median {report['make_all']['noop_median_s']:.3f} s", flush=True)  # fmt: skip
    print("per stage (wall, peak memory):", flush=True)
    with tempfile.TemporaryDirectory() as folder:
        for size in [None] + sizes:
            report["sizes"].append(bench_size(size, Path(folder) / str(size or "real"), real_tables))
    report["targets"] = verdicts(report["sizes"], report["make_all"])
    for row in report["sizes"]:
        if "duplicates" in row:
            d = row["duplicates"]
            print(f"  {row['size']:>9} injected near-duplicates: recall {d['recall']:.3f} ({d['flagged_injected']}/{d['injected']}; "
                  f"by kind {d['recall_by_kind']}); {d['flagged_pairs']} pairs flagged, {d['flagged_not_injected']} not injected")  # fmt: skip
    for target in report["targets"]:
        if "peak_mib" not in target:
            print(f"  target {target['size']}: {target['stages']} {target['wall_s']} s (≤ {target['target_s']}): {'met' if target['met'] else 'MISSED'}")
            continue
        print(f"  target {target['size']:>9}: {target['stages']} {target['wall_s']} s (≤ {target['target_s']}), "
              f"{target['peak_mib']} MiB (≤ {target['target_mib']}), recall {target['recall']} (≥ 0.95): {'met' if target['met'] else 'MISSED'}")  # fmt: skip
    paths.REPORTS.mkdir(exist_ok=True)
    (paths.REPORTS / "bench.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print("written: reports/bench.json")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
