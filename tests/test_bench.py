"""The benchmark's verdicts: each measured figure held to its target of issue #6."""

from pipeline.bench.run import verdicts


def test_bench_verdicts_hold_each_figure_to_its_target():
    make_all = {"clean_median_s": 5.01, "noop_median_s": 0.004}
    sizes = [{"size": 100_000, "stages": {s: {"wall_s": 20.0, "peak_mib": 900} for s in ("ingest", "dedup", "warehouse")},
              "duplicates": {"recall": 0.949}}]  # fmt: skip
    found = {(v["size"], v["met"]) for v in verdicts(sizes, make_all)}
    assert found == {("make all, clean", False), ("make all, nothing changed", True), (100_000, False)}  # recall below 0.95
    sizes[0]["duplicates"]["recall"] = 0.95
    make_all["clean_median_s"] = 5.0
    assert all(v["met"] for v in verdicts(sizes, make_all))
