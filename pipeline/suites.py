"""Expectation suites as stored under expectations/: load, validate their shape, group by frame. No GX import."""

import json
from pathlib import Path

from pipeline.errors import InputError

SEVERITIES = ("critical", "warning")
DEFAULT_TOLERANCE = 0.10


def load_suites(folder: Path) -> list[dict]:
    """Return every suite file in `folder` as a dict; InputError naming the file for a malformed one."""
    suites = []
    for path in sorted(Path(folder).glob("*.json")):
        try:
            suite = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            raise InputError(f"not valid JSON: {error.msg}", str(path), error.lineno) from None
        for position, expectation in enumerate(suite.get("expectations", []), start=1):
            meta = expectation.get("meta", {})
            if meta.get("severity") not in SEVERITIES or not meta.get("check"):
                raise InputError(
                    f"expectation {position} needs meta.check and meta.severity ({' or '.join(SEVERITIES)})", str(path)
                )
        suites.append(suite)
    if not suites:
        raise InputError("no expectation suites (*.json) found", str(folder))
    return suites


def tolerance(suites: list[dict]) -> float:
    """Return the tolerance for approximate (`~`) counts: the appendix_claims suite's meta, else 10%."""
    for suite in suites:
        if "approximate_tolerance" in suite.get("meta", {}):
            return float(suite["meta"]["approximate_tolerance"])
    return DEFAULT_TOLERANCE


def by_frame(suite: dict) -> dict[str, list[dict]]:
    """Return the suite's expectations grouped by the frame each runs on (meta.frame, else the suite's)."""
    default = suite.get("meta", {}).get("frame", suite["name"])
    groups: dict[str, list[dict]] = {}
    for expectation in suite["expectations"]:
        groups.setdefault(expectation["meta"].get("frame", default), []).append(expectation)
    return groups
