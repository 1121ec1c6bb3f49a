"""`make bench`: time every stage, and `make all`, on the real appendix and on generated ones.

Reports wall time and peak memory per stage and size, the recall of the injected near-duplicates at the
default threshold, and medians of repeated runs of `make all` on the real appendix. Writes docs/bench.json
and prints a table. A benchmark, not a test: nothing here fails on speed.
"""

import json
import math
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from pipeline import paths
from pipeline.bench.measure import measure
from pipeline.flow.graph import STAGES as GRAPH

# What is timed, in the graph's order: every stage of the graph (tests/test_bench.py holds it to the declaration), those
# joined by `+` in one process (they share one in make all too), each process built through the runner.
STAGES = ("ingest+external+embed", "overlap+dedup", "tags", "check", "warehouse", "report", "changes")
TARGETS = {  # (stages summed, seconds or None, MiB) per size: issue #6's figures, and #17's end to end in 8 GB at 1M
    100_000: [(("ingest+external+embed", "overlap+dedup", "warehouse"), 60, 2048)],
    1_000_000: [(("ingest+external+embed", "overlap+dedup", "warehouse"), 900, 8192), (STAGES, None, 8192)],
}
MAKE_ALL_TARGETS = {  # figure of bench_make_all: (name, seconds); the real appendix, warm virtual environment
    "clean_median_s": ("make all, clean", 5.0),
    "noop_median_s": ("make all, nothing changed", 0.5),
}
MAKE_ALL_REPEATS = 5
RESULTS = paths.ROOT / "docs" / "bench.json"  # outside the published builds: a make all never drops it; committed
FLOOR_RATIO = 1.3  # issue #17: a clean `make all` at most this many times the import floor
LINEAR = 1.15  # report stage: time grows at most as chapters^LINEAR between the two widened banks


def stage_command(stage: str, source: Path, builds: Path, decisions: Path, imports: bool = False) -> list[str]:
    """Return the command of one process of `make all` (stages joined by `+`): the runner building those stages into
    the work area of `builds` (what they read was built by the processes before); with `imports`, Python reports each
    import's time (`-X importtime`, read by pipeline.bench.measure)."""
    known = {s.name for s in GRAPH}
    names = stage.split("+")
    if not set(names) <= known:
        raise ValueError(f"not a stage of the graph: {stage}")
    inputs = {"SOURCE": source, "DECISIONS": decisions, "TAG_DECISIONS": paths.TAG_DECISIONS}
    words = [sys.executable, *(["-X", "importtime"] if imports else []), "-m", "pipeline", "build", "--builds", str(builds)]
    return words + [w for name in names for w in ("--only", name)] + [f"{k}={v}" for k, v in inputs.items()]


def recall(warehouse: Path, injected: list[dict]) -> dict:
    """Return how many injected pairs the dedup stage flagged."""
    import pyarrow.parquet as pq

    questions = pq.read_table(warehouse / "questions.parquet", columns=["question_id", "label"]).to_pydict()
    by_label = dict(zip(questions["label"], questions["question_id"]))
    pairs = pq.read_table(
        warehouse / "duplicate_pairs.parquet", columns=["question_id_a", "question_id_b", "is_flagged"]
    ).to_pydict()
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
        "recall_by_kind": {
            k: round(sum(f for f, p in zip(found, positives) if p["kind"] == k) / sum(p["kind"] == k for p in positives), 4)
            for k in kinds
        },
        "lookalikes": len(negatives),
        "lookalikes_flagged": false,
        "precision_injected": round(sum(found) / (sum(found) + false), 4) if sum(found) + false else None,
        "flagged_pairs": len(flagged),
        "flagged_not_injected": len(flagged) - sum(found) - false,
    }


MAKE_ENV = {
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "GX_ANALYTICS_ENABLED": "false",
    "PIPELINE_APPENDIX_MAX_BYTES": str(256 * 2**20),  # the generated banks reach 130 MB (pipeline/limits.py)
}  # as the Makefile exports, and the limit the generated banks need


def run_stages(source: Path, folder: Path, name: str, imports: bool = False) -> dict:
    """Return wall time, peak memory and success of each process of `make all` on `source`, in its order; with
    `imports`, also the seconds each spent importing (issue #26: the per-process import table)."""
    decisions = folder / "decisions.csv"
    decisions.write_text("question_id_a,question_id_b,verdict,reviewer,date,note\n", encoding="utf-8")
    env = {**os.environ, **MAKE_ENV, "PIPELINE_EMBEDDINGS_CACHE": str(folder / "cache")}
    stages = {}
    for stage in STAGES:
        result = measure(stage_command(stage, source, folder / "builds", decisions, imports), env)
        stages[stage] = {"wall_s": result["wall_s"], "peak_mib": result["peak_mib"], "ok": result["returncode"] in (0, 1)}
        if imports and result.get("import_s") is not None:
            stages[stage]["import_s"] = result["import_s"]
        print(
            f"  {name:>9} {stage:<15} {result['wall_s']:>8.2f} s {result['peak_mib']:>8.0f} MiB"
            + (f" {result['import_s']:>6.2f} s importing" if stages[stage].get("import_s") is not None else "")
            + ("" if stages[stage]["ok"] else f"  FAILED: {result['stderr'].strip().splitlines()[-1:]}"),
            flush=True,
        )
    return stages


def bench_size(size: int | None, folder: Path, real_tables: dict) -> dict:
    """Return per-stage figures for the real appendix (size None) or a generated one of `size` questions."""
    from pipeline.bench.generate import generate
    from pipeline.ingest.render import render_appendix

    folder.mkdir(parents=True)
    injected = []
    if size is None:
        source = paths.SOURCE
    else:
        tables, injected = generate(real_tables, size, seed=size)
        source = folder / "appendix.txt"
        source.write_text(render_appendix(tables, "pdf"), encoding="utf-8")
    warehouse = folder / "builds" / "work" / "warehouse"  # the runner's work area (stage_command)
    # The real appendix's processes also report their imports: there they are most of the cost (docs/benchmarks.md).
    stages = run_stages(source, folder, "real" if size is None else str(size), imports=size is None)
    figures = {"size": size or len(real_tables["questions"]), "stages": stages}
    if injected:
        figures["duplicates"] = recall(warehouse, injected)
        figures["peers"] = bench_peers(source, folder, injected, size)
    return figures


QUESTIONS_PER_SECTION = 2  # a widened bank: many chapters and sections, few questions each (the report's cost is per chapter)


def bench_wide(chapters: list[int], folder: Path, real_tables: dict) -> dict:
    """Return every stage's figures on banks of `chapters` chapters (the real ones repeated) and how the report stage
    grows: the exponent k of time ∝ chapters^k between the smallest and the largest bank (1 is linear)."""
    from pipeline.bench.generate import generate, widen
    from pipeline.ingest.render import render_appendix

    runs = []
    for count in chapters:
        here = folder / f"chapters-{count}"
        here.mkdir(parents=True)
        wide = widen(real_tables, count)
        tables, _ = generate(wide, QUESTIONS_PER_SECTION * len(wide["sections"]), seed=count)
        source = here / "appendix.txt"
        source.write_text(render_appendix(tables, "pdf"), encoding="utf-8")
        stages = run_stages(source, here, f"{count}ch")
        runs.append(
            {"chapters": count, "sections": len(wide["sections"]), "questions": len(tables["questions"]), "stages": stages}
        )
    growth = None
    if len(runs) >= 2 and runs[-1]["chapters"] > runs[0]["chapters"]:
        small, large = runs[0], runs[-1]
        growth = round(
            math.log(large["stages"]["report"]["wall_s"] / small["stages"]["report"]["wall_s"])
            / math.log(large["chapters"] / small["chapters"]),
            3,
        )
    return {"runs": runs, "growth": growth}


PEERS = (
    ("datasketch MinHashLSH, threshold 0.5", "minhash", 0.5),
    ("datasketch MinHashLSH, threshold 0.3", "minhash", 0.3),
    ("MiniLM embeddings, exact top-10, cosine ≥ 0.85", "embedding", 0.85),
)
EMBEDDING_PEER_MAX = 20_000  # encoding costs about 2.9 ms a question here: the embedding peer runs up to this size
MINHASH_PEER_MAX = 100_000  # MinHash at threshold 0.3 took 312 s and 7.5 GB at 100K: the peers stop there


def bench_peers(source: Path, folder: Path, injected: list[dict], size: int) -> list[dict]:
    """Return each peer's wall time, peak memory, recall, pairs flagged and precision on the injected set, on this bank."""
    out = []
    for name, method, threshold in PEERS:
        if (method == "embedding" and size > EMBEDDING_PEER_MAX) or size > MINHASH_PEER_MAX:
            continue
        pairs_file = folder / f"peer-{method}-{threshold}.json"
        result = measure(
            [sys.executable, "-m", "pipeline.bench.peers", method, "--threshold", str(threshold), str(source), str(pairs_file)]
        )
        if result["returncode"] != 0:
            print(f"  {size:>9} peer {name}: FAILED {result['stderr'].strip().splitlines()[-1:]}", flush=True)
            continue
        flagged = {frozenset(pair) for pair in json.loads(pairs_file.read_text(encoding="utf-8"))}
        figures = injected_figures(flagged, injected)
        out.append(
            {
                "name": name,
                "wall_s": result["wall_s"],
                "peak_mib": result["peak_mib"],
                "recall": figures["recall"],
                "flagged": figures["flagged_pairs"],
                "precision": figures["precision_injected"],
                "lookalikes_flagged": figures["lookalikes_flagged"],
            }
        )
        print(
            f"  {size:>9} peer {name}: {result['wall_s']:.2f} s, {result['peak_mib']:.0f} MiB, recall {figures['recall']}, "
            f"precision {figures['precision_injected']}, {figures['flagged_pairs']} pairs flagged",
            flush=True,
        )
    return out


IMPORTS = "pandas, pyarrow.parquet, duckdb, great_expectations, sklearn.linear_model, rapidfuzz, onnxruntime, tokenizers, cleanlab, matplotlib.figure, markdown_it"


def import_floor(repeats: int = 3) -> float:
    """Return the median wall time of one Python process importing every library the pipeline uses (the floor of any build)."""
    env = {**os.environ, "GX_ANALYTICS_ENABLED": "false"}
    return statistics.median(measure([sys.executable, "-c", f"import {IMPORTS}"], env)["wall_s"] for _ in range(repeats))


def bench_make_all(repeats: int) -> dict:
    """Return medians of `make all` from a clean work area (the embeddings cache kept, as #33 defines a clean build) and
    of `make all` with nothing changed, on the real appendix."""
    clean, noop = [], []
    with tempfile.TemporaryDirectory() as folder:
        args = ["make", "-s", "all", f"WAREHOUSE={folder}/wh", f"REPORTS={folder}/rep", f"EMBEDDINGS_CACHE={folder}/cache"]
        env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE")}
        for _ in range(repeats):
            for path in Path(folder).iterdir():  # the links and the builds folder beside them (.wh-builds), not the cache
                if path.name != "cache":
                    path.unlink() if path.is_symlink() else shutil.rmtree(path)
            clean.append(measure(args, env)["wall_s"])
            noop.append(measure(args, env)["wall_s"])
    return {
        "repeats": repeats,
        "clean_median_s": statistics.median(clean),
        "clean_runs_s": clean,
        "noop_median_s": statistics.median(noop),
        "noop_runs_s": noop,
    }


def verdicts(results: list[dict], make_all: dict | None = None, wide: dict | None = None) -> list[dict]:
    """Return each target with the measured figure and whether it is met."""
    out = []
    for key, (name, seconds) in MAKE_ALL_TARGETS.items() if make_all else ():
        out.append(
            {
                "size": name,
                "stages": "median of runs",
                "wall_s": make_all[key],
                "target_s": seconds,
                "met": make_all[key] <= seconds,
            }
        )
    if make_all and "ratio_to_floor" in make_all:
        ratio = make_all["ratio_to_floor"]
        out.append(
            {
                "size": "make all, clean / import floor",
                "stages": "ratio",
                "wall_s": ratio,
                "target_s": FLOOR_RATIO,
                "met": ratio <= FLOOR_RATIO,
            }
        )
    for result in results:
        for stages, seconds, mib in TARGETS.get(result["size"], []):
            wall = round(sum(result["stages"][s]["wall_s"] for s in stages), 2)
            peak = max(result["stages"][s]["peak_mib"] for s in stages)
            rec = result.get("duplicates", {}).get("recall")
            met = (seconds is None or wall <= seconds) and peak <= mib and (rec is None or rec >= 0.95)
            out.append(
                {
                    "size": result["size"],
                    "stages": "+".join(stages) if stages != STAGES else "make all (every stage)",
                    "wall_s": wall,
                    "target_s": seconds,
                    "peak_mib": peak,
                    "target_mib": mib,
                    "recall": rec,
                    "target_recall": 0.95,
                    "met": met,
                }
            )
    if wide and wide.get("growth") is not None:
        out.append(
            {
                "size": "report stage, growth with chapters",
                "stages": "exponent",
                "wall_s": wide["growth"],
                "target_s": LINEAR,
                "met": wide["growth"] <= LINEAR,
            }
        )
    return out


def main(argv: list[str]) -> int:
    import argparse

    from pipeline.ingest.parse import parse_appendix

    parser = argparse.ArgumentParser(prog="python -m pipeline.bench.run", description="time make all, every stage and the peers")
    parser.add_argument("sizes", nargs="*", type=int, default=[10_000, 100_000], help="generated banks of this many questions")
    parser.add_argument(
        "--chapters", nargs="*", type=int, default=[], help="widened banks of this many chapters (report-stage growth)"
    )
    parser.add_argument("--skip-make-all", action="store_true", help="leave out the repeated make all on the real appendix")
    parser.add_argument("--skip-workflows", action="store_true", help="leave out make diff and the review workbench")
    parser.add_argument("--output", type=Path, default=RESULTS, help="where the results go (outside the published builds)")
    options = parser.parse_args(argv)
    sizes = options.sizes
    real_tables = parse_appendix(paths.SOURCE.read_text(encoding="utf-8"))
    report = {"machine": {"cores": os.cpu_count()}, "sizes": []}
    if not options.skip_make_all:
        print(f"make all on the real appendix ({MAKE_ALL_REPEATS} runs each):", flush=True)
        report["make_all"] = bench_make_all(MAKE_ALL_REPEATS)
        report["make_all"]["import_floor_s"] = import_floor()
        report["make_all"]["ratio_to_floor"] = round(
            report["make_all"]["clean_median_s"] / report["make_all"]["import_floor_s"], 2
        )
        print(
            f"  clean: median {report['make_all']['clean_median_s']:.2f} s (runs {report['make_all']['clean_runs_s']}); "
            f"nothing changed: median {report['make_all']['noop_median_s']:.3f} s; import floor {report['make_all']['import_floor_s']:.2f} s "
            f"(clean / floor = {report['make_all']['ratio_to_floor']})",
            flush=True,
        )
    if not options.skip_workflows:
        from pipeline.bench.workflows import bench_diff, bench_review

        print("make diff against a cached base, beside make all:", flush=True)
        report["diff"] = bench_diff()
        d = report["diff"]
        print(
            f"  nothing changed: make all {d['all_noop_median_s']:.3f} s, make diff {d['diff_cached_noop_median_s']:.3f} s; after a one-question "
            f"edit: make all {d['all_after_edit_median_s']:.2f} s, make diff {d['diff_after_edit_median_s']:.2f} s "
            f"(allowance 1.5 × no-change make all = {d['allowance_s']:.3f} s): {'met' if d['met'] else 'MISSED'}",
            flush=True,
        )
        print("the review workbench on the real bank:", flush=True)
        report["review"] = bench_review()
        r = report["review"]
        print(
            f"  key → file {r['key_to_file_round_trip_median_ms']:.1f} ms (round trip; the write {r['write_median_ms']:.1f} ms); verdict → "
            f"published {r['verdict_to_published_median_s']:.2f} s (rebuild {r['rebuild_median_s']:.2f} s): {'met' if r['met'] else 'MISSED'}",
            flush=True,
        )
    print("per process of make all (wall, peak memory):", flush=True)
    with tempfile.TemporaryDirectory() as folder:
        for size in [None] + sizes:
            report["sizes"].append(bench_size(size, Path(folder) / str(size or "real"), real_tables))
        if options.chapters:
            report["chapters"] = bench_wide(options.chapters, Path(folder) / "wide", real_tables)
            for run in report["chapters"]["runs"]:
                print(
                    f"  {run['chapters']} chapters, {run['sections']} sections, {run['questions']} questions: report stage "
                    f"{run['stages']['report']['wall_s']:.2f} s",
                    flush=True,
                )
    report["targets"] = verdicts(report["sizes"], report.get("make_all"), report.get("chapters"))
    for row in report["sizes"]:
        if "duplicates" in row:
            d = row["duplicates"]
            print(
                f"  {row['size']:>9} injected near-duplicates: recall {d['recall']:.3f} ({d['flagged_injected']}/{d['injected']}; "
                f"by kind {d['recall_by_kind']}); look-alikes flagged {d['lookalikes_flagged']}/{d['lookalikes']}, precision on the "
                f"injected set {d['precision_injected']}; {d['flagged_pairs']} pairs flagged, {d['flagged_not_injected']} not injected"
            )
            ours = row["stages"]["ingest+external+embed"]["wall_s"] + row["stages"]["overlap+dedup"]["wall_s"]
            for peer in row.get("peers", []):
                print(
                    f"  {row['size']:>9} ours / {peer['name']}: time {ours / peer['wall_s']:.2f}, memory "
                    f"{row['stages']['overlap+dedup']['peak_mib'] / peer['peak_mib']:.2f}; recall {d['recall']} vs {peer['recall']}, "
                    f"precision {d['precision_injected']} vs {peer['precision']}"
                )
    for target in report["targets"]:
        verdict = "met" if target["met"] else "MISSED"
        if target["stages"] in ("ratio", "exponent"):
            print(f"  target {target['size']}: {target['wall_s']} (≤ {target['target_s']}): {verdict}")
            continue
        if "peak_mib" not in target:
            print(f"  target {target['size']}: {target['stages']} {target['wall_s']} s (≤ {target['target_s']}): {verdict}")
            continue
        limit = "" if target["target_s"] is None else f" (≤ {target['target_s']})"
        print(
            f"  target {target['size']:>9}: {target['stages']} {target['wall_s']} s{limit}, "
            f"{target['peak_mib']} MiB (≤ {target['target_mib']}), recall {target['recall']} (≥ 0.95): {'met' if target['met'] else 'MISSED'}"
        )
    report["sizes_measured"] = sizes
    options.output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"written: {options.output} (python -m pipeline docs --update draws the README's speed table from it)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
