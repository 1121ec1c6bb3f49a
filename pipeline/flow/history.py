"""The `history` command (`make history`): the bank's measures at every commit that changed raw/.

Each such commit's raw/ is built with today's code by the `base` machinery, in this process (one build per tree hash
of raw/, kept, so a second run builds only the commits it has not seen), and its measures are the last point of that
build's own history table. The points go to one JSON file outside the published builds; the next `make all` draws them, with
its own measures last, into the warehouse table `history` and reports/history.html.
"""

from pathlib import Path

from pipeline import io, options
from pipeline.flow import base, versions
from pipeline.schema import table
from pipeline.terminal import say


def measures(warehouse: Path) -> list[dict]:
    """Return the measures a build recorded for itself (its history table's last point)."""
    rows = io.read_rows(table("history"), warehouse)
    return [{"metric": r["metric"], "tag": r["tag"], "value": r["value"]} for r in rows if r["is_current"]]


def add_arguments(parser) -> None:
    parser.add_argument("--points", type=Path, required=True, help="where the points go (JSON)")
    options.versions(parser)


def record(area: Path, points_path: Path, given: dict[str, str], embeddings: str, repo: Path) -> int:
    """Build raw/ at every commit that changed it (in this process) and write their measures to `points_path`; return
    how many points there are."""
    commits = versions.raw_commits(repo)
    points = []
    for number, version in enumerate(commits, 1):
        say(f"history: {number}/{len(commits)} {version['commit'][:10]} {version['subject'][:60]}")
        built = base.build_version(version["commit"], area, given, embeddings, repo)
        points.append({k: version[k] for k in ("commit", "date", "subject")} | {"metrics": measures(Path(built["warehouse"]))})
    base.prune(area, keep=max(base.KEEP_AREAS, len({v["tree"] for v in commits})))
    versions.write_if_changed(points_path, {"points": points})
    say(f"history: {len(points)} commits changed raw/; this build draws them (reports/history.html)")
    return len(points)


def main(args, context: dict) -> int:
    record(args.area, args.points, dict(word.partition("=")[::2] for word in args.input), args.embeddings, args.repo)
    return 0
