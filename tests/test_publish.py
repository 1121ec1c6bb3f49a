"""Publishing (pipeline/publish/stage.py): one complete build made current at once, the one before it kept."""

from pipeline.publish import stage


def test_publish_keeps_the_previous_generation_as_promised(tmp_path, monkeypatch):
    """docs/reliability.md promises the generation before the current one stays (a reader that opened its database
    keeps its files); _prune compared relative with resolved paths and kept `current` alone (#33)."""
    monkeypatch.setattr(stage, "REQUIRED", {"warehouse": ("t.parquet",), "reports": ("r.html",)})
    builds = tmp_path / ".warehouse-builds"
    work = builds / "work"
    monkeypatch.chdir(tmp_path)  # the builds folder given by a relative path, as Make gives it
    published = []
    for version in range(4):
        for part, name in (("warehouse", "t.parquet"), ("reports", "r.html")):
            (work / part).mkdir(parents=True, exist_ok=True)
            (work / part / name).unlink(missing_ok=True)
            (work / part / name).write_text(f"version {version}", encoding="utf-8")  # a new file: a new build
        result = stage.run(builds.relative_to(tmp_path), tmp_path / "warehouse", tmp_path / "reports")
        published.append(result["generation"])
    kept = sorted(p.name for p in builds.glob("gen-*"))
    assert kept == published[-stage.KEEP :] == sorted(published)[-2:]  # the current one and the one before it
    assert (builds / "current").resolve().name == published[-1]
    assert (tmp_path / "reports" / "r.html").read_text(encoding="utf-8") == "version 3"
