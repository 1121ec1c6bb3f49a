"""The `changes` stage: what this build did to the bank against a base build (`make diff BASE=<ref>`), and the history.

With a base (`--base-stamp`, written by the `base` command) it writes reports/changes.json, changes.md (the
pull-request comment) and changes.html. Without one, the comparison `make diff` made stays while the inputs are the
ones it compared (`make sql`, a no-op `make all`); once raw/ changes, changes.html says the build was not compared
and the other two are removed, so no build publishes a stale comparison. Every build also gets its own measures
(the `rpt_metrics` view and the checks' counts) as the last point of the history: warehouse table `history` and
reports/history.html, the earlier points read from the file `make history` writes (`--points`).
"""

import json
import shutil
from pathlib import Path

from pipeline import io, limits, paths
from pipeline.changes import findings
from pipeline.changes.match import match_questions, question_changes
from pipeline.changes.report import CHANGE_WORDS, drift_counts, question_line, shifted_line
from pipeline.errors import InputError
from pipeline.schema import report_file, table

CURRENT = "current build"  # the history's last point: this build, whatever git holds


def read_quality(reports: Path) -> dict:
    return json.loads(io.read_text(Path(reports) / report_file("quality.json"), limits.REPORT_MAX_BYTES, "a quality report"))


def build_facts(warehouse: Path, reports: Path) -> dict:
    """Return what one build says that a comparison needs: its questions, pairs, suspects, external coverage, the
    checks' report, the chapter → paper links and its measures."""
    names = ["rpt_metrics", "rpt_chapter_papers", "stg_external_questions", "stg_external_coverage", "stg_tag_suspects"]
    views = io.query_views(Path(warehouse) / paths.DUCKDB_FILE, names)  # the optional stages' tables are there, maybe empty
    rows = lambda view: [dict(zip(views[view][0], row)) for row in views[view][1]]  # noqa: E731
    quality = read_quality(reports)
    coverage = {(r["bank_id"], r["external_question_id"]): r for r in rows("stg_external_coverage")}
    return {
        "questions": io.read_rows(table("questions"), warehouse),
        "pairs": io.read_rows(table("duplicate_pairs"), warehouse),
        "suspects": rows("stg_tag_suspects"),
        "quality": quality,
        "links": [{"chapter_id": r["chapter_id"], "chapter": r["chapter_title"], "reference": r["reference"]} for r in rows("rpt_chapter_papers")],
        "covered": [
            {"bank_id": q["bank_id"], "external_question_id": q["external_question_id"], "text": q["text"],
             "label": coverage[(q["bank_id"], q["external_question_id"])]["label"]}
            for q in rows("stg_external_questions")
            if coverage.get((q["bank_id"], q["external_question_id"]), {}).get("is_covered")
        ],
        "metrics": rows("rpt_metrics")
        + [{"metric": "critical failures", "tag": None, "value": float(quality["critical_failed"])},
           {"metric": "warnings", "tag": None, "value": float(quality["warnings"])}],
    }  # fmt: skip


def compare(base: dict, current: dict) -> dict:
    """Return what `current` changed against `base` (two `build_facts`). Pure."""
    matched = match_questions(base["questions"], current["questions"])
    touched = {q["question_id"] for q in current["questions"]} - {q["question_id"] for q in base["questions"]}
    touched |= {
        current["questions"][j]["question_id"]
        for i, j in matched
        if current["questions"][j]["tag"] != base["questions"][i]["tag"]
    }
    # A question's identity across the two versions: its base id when the versions share it, else its own id, marked.
    same = {current["questions"][j]["question_id"]: base["questions"][i]["question_id"] for i, j in matched}
    identity = {q["question_id"]: same.get(q["question_id"], "+" + q["question_id"]) for q in current["questions"]}
    base_identity = {q[k]: q["question_id"] for q in base["questions"] for k in ("label", "question_id")}
    current_identity = {q[k]: identity[q["question_id"]] for q in current["questions"] for k in ("label", "question_id")}
    labels_of = [{q["question_id"]: q["label"] for q in build["questions"]} for build in (base, current)]
    now_label_of = {base["questions"][i]["label"]: current["questions"][j]["label"] for i, j in matched}
    removed = {q["question_id"] for q in base["questions"]} - set(same.values())
    # What the change wrote: the questions it added, reworded or re-tagged (or removed), and each verdict it holds.
    wrote = {identity[question_id] for question_id in touched} | removed
    wrote |= {tuple(sorted(identity.get(p[k], p[k]) for k in ("question_id_a", "question_id_b")))
              for p in current["pairs"] if p.get("verdict")}  # fmt: skip
    wrote |= {identity.get(s["question_id"], s["question_id"]) for s in current["suspects"] if s.get("verdict")}
    problems = findings.problem_changes(
        findings.build_problems(base["quality"], base_identity, labels_of[0], now_label_of),
        findings.build_problems(current["quality"], current_identity, labels_of[1]),
        wrote,
    )
    links = findings.gained_lost(
        [dict(r) for r in {(r["chapter_id"], r["reference"]): r for r in base["links"]}.values()],
        list({(r["chapter_id"], r["reference"]): r for r in current["links"]}.values()),
        ("chapter_id", "reference"),
    )
    return {
        "questions": question_changes(base["questions"], current["questions"]),
        "duplicates": findings.duplicate_changes(base["pairs"], current["pairs"], touched),
        "checks": problems,
        "tag_suspects": [  # the suspects of that one list: new (the change wrote the question) or drift (it did not),
            # the drift that appeared and the drift that went away (a base suspect, by its base label) apart
            {
                "label": p["labels"][0],
                "tag": p.get("tag"),
                "suggested_tag": p.get("suggested_tag"),
                "introduced": key == "new_failures",
                "went_away": key == "drift_gone",
            }
            for key in ("new_failures", "drift_appeared", "drift_gone")
            for p in problems[key]
            if p["expectation"].startswith("tag_suspects/")
        ],
        "tag_claims": findings.claim_changes(base["quality"]["tag_claims"], current["quality"]["tag_claims"]),
        "links": links,
        "external_coverage": findings.gained_lost(base["covered"], current["covered"], ("bank_id", "external_question_id")),
        "metrics": {"base": base["metrics"], "current": current["metrics"]},
    }


def compare_builds(base_warehouse: Path, base_reports: Path, warehouse: Path, reports: Path) -> dict:
    """Return what the build in `warehouse` (and `reports`) changed against the one in `base_warehouse`."""
    return compare(build_facts(base_warehouse, base_reports), build_facts(warehouse, reports))


def summary(changes: dict) -> str:
    """Return one line: questions added, removed, reworded, re-tagged, moved and unchanged; pairs and checks gained and
    lost; drift that appeared and went away."""
    questions = changes["questions"]
    line = ", ".join(f"{len(questions[kind])} {word}" for kind, word in CHANGE_WORDS.items())
    line = f"changes: {line}, {questions['unchanged']} unchanged"
    if "duplicates" in changes:
        line += f"; {len(changes['duplicates']['new_pairs'])} new flagged pairs, {len(changes['duplicates']['gone_pairs'])} gone"
    if "checks" in changes:
        checks = changes["checks"]
        line += f"; {len(checks['new_failures'])} new problems, {len(checks['fixed'])} fixed"
        line += f"; drift (never gates): {drift_counts(checks)}" if drift_counts(checks) else ""
    return line


def history_rows(points: list[dict], current_metrics: list[dict]) -> list[dict]:
    """Return the history table: each earlier point's measures, then this build's as the last point. Pure."""
    rows = [
        {"position": n, "commit": p["commit"], "committed_at": p["date"], "subject": p["subject"], "is_current": False, **m}
        for n, p in enumerate(points)
        for m in p["metrics"]
    ]
    last = len(points)
    rows += [
        {"position": last, "commit": None, "committed_at": None, "subject": CURRENT, "is_current": True, **m}
        for m in current_metrics
    ]
    return [{k: r[k] for k in table("history").column_names} for r in rows]


def read_points(path: Path | None) -> list[dict]:
    """Return the earlier points `make history` wrote (none when it never ran)."""
    if not path or not Path(path).exists():
        return []
    try:
        return json.loads(io.read_text(path, limits.REPORT_MAX_BYTES, "the history's points"))["points"]
    except (ValueError, KeyError, TypeError):
        raise InputError("not a history file written by make history: run `make history` again", str(path)) from None


def add_history_table(warehouse: Path, scratch: Path, rows: list[dict]) -> None:
    """Write the history table as Parquet and into a copy of the database that replaces it (the published one, a hard
    link in the generation before, is never written in place)."""
    import duckdb

    io.write_table(rows, table("history"), scratch)
    copy = scratch / paths.DUCKDB_FILE
    shutil.copyfile(Path(warehouse) / paths.DUCKDB_FILE, copy)
    connection = duckdb.connect(str(copy))
    try:
        connection.execute("create or replace table history as select * from read_parquet(?)", [str(scratch / "history.parquet")])
        connection.execute("checkpoint")
    finally:
        connection.close()


def inputs_digest(warehouse: Path) -> str:
    """Return a digest of what this build read: its input stamps (each input's path and content hash, written by the
    `inputs` step before every build), or "" when there are none (a stage run by hand)."""
    import hashlib

    stamps = sorted(Path(warehouse).glob(".input-*"))
    digest = hashlib.sha256()
    for stamp in stamps:
        digest.update(stamp.name.encode() + b"\0" + stamp.read_bytes() + b"\0")
    return digest.hexdigest() if stamps else ""


def kept_comparison(reports: Path, digest: str) -> dict | None:
    """Return the comparison `make diff` made, when it was made against these very inputs: it stays until raw/ (or
    BASE) changes, so `make sql` or a no-op `make all` after `make diff` keep the pull-request comment."""
    path = Path(reports) / report_file("changes.json")
    if not digest or not path.exists():
        return None
    try:
        kept = json.loads(io.read_text(path, limits.REPORT_MAX_BYTES, "a changes report"))
    except (InputError, ValueError):
        return None
    return kept if isinstance(kept, dict) and kept.get("inputs") == digest else None


def run(warehouse: Path, reports: Path, base_stamp: Path | None, points_path: Path | None) -> dict:
    """Write the changes (with a base, or the comparison made against these same inputs) and the history of this
    build; return the changes (None when there is no comparison)."""
    from pipeline.changes import page, report

    current = build_facts(warehouse, reports)
    base = json.loads(io.read_text(base_stamp, limits.REPORT_MAX_BYTES, "the base's note")) if base_stamp else None
    changes = compare(build_facts(Path(base["warehouse"]), Path(base["reports"])), current) if base else None
    digest = inputs_digest(warehouse)
    if changes is not None:
        changes = {"base": base["ref"], "base_commit": base["commit"], **changes, "inputs": digest}
    else:
        changes = kept_comparison(reports, digest)
    history = history_rows(read_points(points_path), current["metrics"])
    with io.staged_outputs(warehouse) as scratch:
        add_history_table(warehouse, scratch, history)
    with io.staged_outputs(reports) as scratch:
        if changes is not None:
            io.write_json(changes, scratch / report_file("changes.json"))
            io.write_page(scratch / report_file("changes.md"), report.render_markdown(changes, changes["base"]))
        io.write_page(scratch / report_file("changes.html"), page.render_changes(changes))
        io.write_page(scratch / report_file("history.html"), page.render_history(history))
    if changes is None:  # a comparison made against other inputs (raw/ changed since) is not this build's
        for name in ("changes.json", "changes.md"):
            (Path(reports) / report_file(name)).unlink(missing_ok=True)
    return changes


def details(changes: dict) -> list[str]:
    """Return a line for each question the change touched, one for the labels that only shifted, and one for each new
    problem, for the terminal."""
    out = [f"  {word:<9} {question_line(kind, row)}" for kind, word in CHANGE_WORDS.items() for row in changes["questions"][kind]]
    shifted = shifted_line(changes["questions"].get("relabelled", []))
    out += [f"  {shifted}"] if shifted else []
    for problem in changes["checks"]["new_failures"]:
        out.append(f"  {problem['severity'].upper():<9} {problem['text']}  [{problem['expectation']}]")
    return out
