"""The README's speed table, drawn from the last `make bench` (docs/bench.json). Pure: the results in, Markdown out.

`python -m pipeline docs --update` writes it between `<!-- speed:start -->` and `<!-- speed:end -->`, and
tests/test_docs.py fails when the README's table is not the one the results give.
"""


def _ratio(ours: float, peer: float) -> str:
    return f"{ours / peer:.2f}" if peer else "–"


def duplicate_rows(sizes: list[dict]) -> list[str]:
    """Return one table row per (generated bank, tool): recall, precision, pairs flagged, time and memory ratios."""
    rows = []
    for size in sizes:
        if "duplicates" not in size:
            continue
        d, stages = size["duplicates"], size["stages"]
        ours_s = stages["ingest+external+embed"]["wall_s"] + stages["overlap+dedup"]["wall_s"]
        ours_mib = stages["overlap+dedup"]["peak_mib"]
        bank = f"{size['size'] // 1000}K"
        rows.append(
            f"| {bank} | **ours** | {d['recall']:.3f} | {d['precision_injected']:.3f} | {d['flagged_pairs']:,} | {ours_s:.1f} s | |"
        )
        for peer in size.get("peers", []):
            rows.append(
                f"| {bank} | {peer['name']} | {peer['recall']:.3f} | {peer['precision']:.3f} | {peer['flagged']:,} | "
                f"{peer['wall_s']:.1f} s | {_ratio(ours_s, peer['wall_s'])} / {_ratio(ours_mib, peer['peak_mib'])} |"
            )
    return rows


MINHASH = "datasketch MinHashLSH, threshold 0.5"
DUPLICATES_RATIO = 8.0  # issue #26: our duplicate finding at 20K at most this many times MinHashLSH 0.5's time …
DUPLICATES_RECALL, DUPLICATES_PRECISION = 0.97, 0.80  # … with recall and precision at least these
TAGS_20K_S = 16.0  # issue #26: the tag audit at 20K at most a third of the 48 s it measured


def scale_rows(sizes: list[dict]) -> list[str]:
    """Return issue #26's rows at 20K: duplicate finding against MinHashLSH 0.5 (time ratio, recall, precision) and
    the tag audit's time."""
    out = []
    for size in sizes:
        if size.get("size") != 20_000:
            continue
        stages = size["stages"]
        minhash = next((p for p in size.get("peers", []) if p["name"] == MINHASH), None)
        if "duplicates" in size and minhash:
            d = size["duplicates"]
            ratio = (stages["ingest+external+embed"]["wall_s"] + stages["overlap+dedup"]["wall_s"]) / minhash["wall_s"]
            met = (
                ratio <= DUPLICATES_RATIO and d["recall"] >= DUPLICATES_RECALL and d["precision_injected"] >= DUPLICATES_PRECISION
            )
            out.append(
                f"| 20K duplicate finding ≤ {DUPLICATES_RATIO:g} × MinHashLSH 0.5's time, recall ≥ {DUPLICATES_RECALL}, "
                f"precision ≥ {DUPLICATES_PRECISION} (#26) | {ratio:.1f} ×, recall {d['recall']:.3f}, precision "
                f"{d['precision_injected']:.3f} | {'met' if met else 'missed'} |"
            )
        if "tags" in stages:
            wall = stages["tags"]["wall_s"]
            out.append(
                f"| 20K tag audit ≤ {TAGS_20K_S:g} s (a third of #26's 48 s) | {wall:.1f} s | {'met' if wall <= TAGS_20K_S else 'missed'} |"
            )
    return out


def target_rows(bench: dict) -> list[str]:
    """Return one row per target the bench measures: what it asks, the figures, met or missed."""
    out = scale_rows(bench.get("sizes", []))
    make_all = bench.get("make_all")
    if make_all:
        ratio = make_all["ratio_to_floor"]
        out.append(
            f"| clean `make all` ≤ 1.6 × the import floor (#26; goal 1.3) | {make_all['clean_median_s']:.2f} s against "
            f"{make_all['import_floor_s']:.2f} s: {ratio:.2f} × | {'met' if ratio <= 1.6 else 'missed'} |"
        )
    diff = bench.get("diff")
    if diff:
        out.append(
            f"| `make diff`, cached base ≤ 1.5 × a no-change `make all` + the current build (#22) | nothing changed: "
            f"{diff['diff_cached_noop_median_s']:.2f} s against {diff['all_noop_median_s']:.2f} s + {diff['allowance_s']:.2f} s; after an edit: "
            f"{diff['diff_after_edit_median_s']:.2f} s against {diff['all_after_edit_median_s']:.2f} s | {'met' if diff['met'] else 'missed'} |"
        )
    review = bench.get("review")
    if review:
        out.append(
            f"| workbench: key → file ≤ 100 ms, verdict → rebuilt ≤ 1.5 s (#23) | {review['key_to_file_round_trip_median_ms']:.1f} ms; "
            f"rebuild {review['rebuild_median_s']:.2f} s ({review['verdict_to_published_median_s']:.2f} s with the quiet wait) | "
            f"{'met' if review['met'] else 'missed'} |"
        )
    for target in bench.get("targets", []):
        if isinstance(target.get("size"), int) and target.get("target_mib"):
            out.append(
                f"| {target['size']:,} questions, {target['stages']} ≤ {target['target_mib']:,} MiB | {target['wall_s']} s, "
                f"{target['peak_mib']:,.0f} MiB, recall {target['recall']} | {'met' if target['met'] else 'missed'} |"
            )
    return out


# make all's processes as its DAG runs them with two jobs: steps one after another, each a choice of branches run
# side by side (a branch: processes one after another); a step lasts as long as its slowest branch.
CRITICAL_STEPS = (
    (("ingest+external+embed",),),
    (("overlap+dedup",), ("tags",)),
    (("check",), ("warehouse", "report")),
)


def _branch(stages: dict, branch: tuple, key: str) -> float:
    return sum(stages[name].get(key) or 0.0 for name in branch)


def process_rows(stages: dict) -> list[str]:
    """Return one table row per process of `make all` on the real appendix (wall, importing, working), then the
    critical path: each step's slowest branch, summed (the processes ran alone, so this is what two jobs wait for)."""
    rows = []
    for name, figures in stages.items():
        if figures.get("import_s") is None:
            continue
        wall, imports = figures["wall_s"], figures["import_s"]
        rows.append(f"| {name} | {wall:.2f} s | {imports:.2f} s | {wall - imports:.2f} s |")
    if not rows:
        return []
    path_wall = path_imports = 0.0
    names = []
    for step in CRITICAL_STEPS:
        slowest = max(step, key=lambda branch: _branch(stages, branch, "wall_s"))
        path_wall += _branch(stages, slowest, "wall_s")
        path_imports += _branch(stages, slowest, "import_s")
        names.append(" + ".join(slowest))
    rows.append(
        f"| critical path ({' → '.join(names)}) | {path_wall:.2f} s | {path_imports:.2f} s | {path_wall - path_imports:.2f} s |"
    )
    return rows


def speed_markdown(bench: dict | None) -> str:
    """Return the README's speed section body from the bench results (a line saying so when there are none)."""
    if not bench:
        return "No `make bench` results in docs/bench.json yet."
    cores = bench.get("machine", {}).get("cores")
    lines = [
        f"From the last `make bench` (docs/bench.json; {cores} cores, one run, ratios side by side). Duplicate finding on generated "
        "banks with injected repeats and look-alikes (precision counts flagged look-alikes against us):",
        "",
        "| bank | tool | recall | precision | pairs flagged | time | time / memory, ours ÷ peer |",
        "|---|---|---|---|---|---|---|",
        *duplicate_rows(bench.get("sizes", [])),
        "",
        "| target | measured | |",
        "|---|---|---|",
        *target_rows(bench),
    ]
    processes = process_rows(next((size["stages"] for size in bench.get("sizes", []) if "duplicates" not in size), {}))
    if processes:
        lines += [
            "",
            "What each stage costs on the real appendix run alone as a process of its own (`python -m pipeline tags` and the like, "
            "`-X importtime`); `make all` runs them in one process, tags and check beside it (docs/commands.md), so the "
            "critical path below is what separate processes would wait for:",
            "",
            "| process | wall | importing | working |",
            "|---|---|---|---|",
            *processes,
        ]
    return "\n".join(lines)
