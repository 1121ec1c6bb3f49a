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
    return injected_figures(flagged, injected, lambda p: frozenset((by_label[p["label_a"]], by_label[p["label_b"]])))


def injected_figures(flagged: set, injected: list[dict], key=lambda p: frozenset((p["label_a"], p["label_b"]))) -> dict:
    """Return recall of the injected near-duplicates, look-alikes flagged, and precision on the injected set.

    Precision on the injected set = flagged near-duplicates / (flagged near-duplicates + flagged look-alikes): the
    pairs whose truth is known. Other flagged pairs (the generator's template siblings) are counted apart.
    """
    positives = [p for p in injected if p["kind"] != "lookalike"]
    negatives = [p for p in injected if p["kind"] == "lookalike"]
    found = [key(p) in flagged for p in positives]
    false = sum(key(p) in flagged for p in negatives)
    kinds = sorted({p["kind"] for p in positives})
    return {
        "injected": len(positives),
        "flagged_injected": sum(found),
        "recall": round(sum(found) / len(positives), 4) if positives else None,
        "recall_by_kind": {k: round(sum(f for f, p in zip(found, positives) if p["kind"] == k) / sum(p["kind"] == k for p in positives), 4) for k in kinds},
        "lookalikes": len(negatives),
        "lookalikes_flagged": false,
        "precision_injected": round(sum(found) / (sum(found) + false), 4) if sum(found) + false else None,
        "flagged_pairs": len(flagged),
        "flagged_not_injected": len(flagged) - sum(found) - false,
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
        figures["peers"] = bench_peers(source, folder, injected, size)
    return figures


PEERS = (("datasketch MinHashLSH, threshold 0.5", "minhash", 0.5), ("datasketch MinHashLSH, threshold 0.3", "minhash", 0.3),
         ("MiniLM embeddings, exact top-10, cosine ≥ 0.85", "embedding", 0.85))  # fmt: skip
EMBEDDING_PEER_MAX = 20_000  # encoding costs about 2.9 ms a question here: the embedding peer runs up to this size


def bench_peers(source: Path, folder: Path, injected: list[dict], size: int) -> list[dict]:
    """Return each peer's wall time, peak memory, recall, pairs flagged and precision on the injected set, on this bank."""
    out = []
    for name, method, threshold in PEERS:
        if method == "embedding" and size > EMBEDDING_PEER_MAX:
            continue
        pairs_file = folder / f"peer-{method}-{threshold}.json"
        result = measure([sys.executable, "-m", "pipeline.bench.peers", method, "--threshold", str(threshold), str(source), str(pairs_file)])
        if result["returncode"] != 0:
            print(f"  {size:>9} peer {name}: FAILED {result['stderr'].strip().splitlines()[-1:]}", flush=True)
            continue
        flagged = {frozenset(pair) for pair in json.loads(pairs_file.read_text(encoding="utf-8"))}
        figures = injected_figures(flagged, injected)
        out.append({"name": name, "wall_s": result["wall_s"], "peak_mib": result["peak_mib"], "recall": figures["recall"],
                    "flagged": figures["flagged_pairs"], "precision": figures["precision_injected"], "lookalikes_flagged": figures["lookalikes_flagged"]})  # fmt: skip
        print(f"  {size:>9} peer {name}: {result['wall_s']:.2f} s, {result['peak_mib']:.0f} MiB, recall {figures['recall']}, "
              f"precision {figures['precision_injected']}, {figures['flagged_pairs']} pairs flagged", flush=True)  # fmt: skip
    return out


IMPORTS = "pandas, pyarrow.parquet, duckdb, great_expectations, sklearn.linear_model, rapidfuzz, onnxruntime, tokenizers, cleanlab, matplotlib.figure, markdown_it"


def import_floor(repeats: int = 3) -> float:
    """Return the median wall time of one Python process importing every library the pipeline uses (the floor of any build)."""
    env = {**os.environ, "GX_ANALYTICS_ENABLED": "false"}
    return statistics.median(measure([sys.executable, "-c", f"import {IMPORTS}"], env)["wall_s"] for _ in range(repeats))


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
    report["make_all"]["import_floor_s"] = import_floor()
    report["make_all"]["ratio_to_floor"] = round(report["make_all"]["clean_median_s"] / report["make_all"]["import_floor_s"], 2)
    print(f"  clean: median {report['make_all']['clean_median_s']:.2f} s (runs {report['make_all']['clean_runs_s']}); "
          f"nothing changed: median {report['make_all']['noop_median_s']:.3f} s; import floor {report['make_all']['import_floor_s']:.2f} s "
          f"(clean / floor = {report['make_all']['ratio_to_floor']})", flush=True)  # fmt: skip
    print("per stage (wall, peak memory):", flush=True)
    with tempfile.TemporaryDirectory() as folder:
        for size in [None] + sizes:
            report["sizes"].append(bench_size(size, Path(folder) / str(size or "real"), real_tables))
    report["targets"] = verdicts(report["sizes"], report["make_all"])
    for row in report["sizes"]:
        if "duplicates" in row:
            d = row["duplicates"]
            print(f"  {row['size']:>9} injected near-duplicates: recall {d['recall']:.3f} ({d['flagged_injected']}/{d['injected']}; "
                  f"by kind {d['recall_by_kind']}); look-alikes flagged {d['lookalikes_flagged']}/{d['lookalikes']}, precision on the "
                  f"injected set {d['precision_injected']}; {d['flagged_pairs']} pairs flagged, {d['flagged_not_injected']} not injected")  # fmt: skip
            ours = row["stages"]["ingest"]["wall_s"] + row["stages"]["dedup"]["wall_s"]
            for peer in row.get("peers", []):
                print(f"  {row['size']:>9} ours / {peer['name']}: time {ours / peer['wall_s']:.2f}, memory "
                      f"{row['stages']['dedup']['peak_mib'] / peer['peak_mib']:.2f}; recall {d['recall']} vs {peer['recall']}, "
                      f"precision {d['precision_injected']} vs {peer['precision']}")  # fmt: skip
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
