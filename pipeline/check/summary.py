"""The terminal summary of a check run: each failing expectation, its severity, the rows to fix. Pure."""

TEXT_WIDTH = 70


def _row_text(row: dict) -> str:
    line = next((row[k] for k in ("source_line", "stated_line", "declared_line") if row.get(k) is not None), None)
    rest = []
    for key, value in row.items():
        if key in ("source_line", "stated_line", "declared_line") or value is None:
            continue
        value = str(value)
        rest.append(value[:TEXT_WIDTH] + "…" if len(value) > TEXT_WIDTH else value)
    return (f"line {line}: " if line is not None else "") + "  ".join(rest)


def failed_outcomes(outcomes: list[dict], severity: str) -> list[dict]:
    """Return the outcomes that failed with `severity`."""
    return [o for o in outcomes if not o["success"] and o["severity"] == severity]


def summarise(outcomes: list[dict], tag_claims: list[dict], tolerance: float, max_rows: int = 10) -> str:
    """Return the terminal summary: counts, then each failure with up to `max_rows` offending rows, then the tag table."""
    critical, warning = failed_outcomes(outcomes, "critical"), failed_outcomes(outcomes, "warning")
    passed = sum(o["success"] for o in outcomes)
    lines = [f"check: {len(outcomes)} expectations: {passed} passed, {len(critical)} critical failed, {len(warning)} warnings"]
    for outcome in critical + warning:
        lines.append(f"{outcome['severity'].upper():8} {outcome['suite']}/{outcome['check']}: {outcome['why']}")
        if outcome["exception"]:
            lines.append(f"         could not run: {outcome['exception']}")
        for row in outcome["offending"][:max_rows]:
            lines.append("         " + _row_text(row))
        hidden = outcome["unexpected_count"] - min(len(outcome["offending"]), max_rows)
        if hidden > 0:
            lines.append(f"         … and {hidden} more (reports/quality.json)")
    if tag_claims:
        lines.append(f"stated vs actual per tag (~ counts may deviate by {tolerance:.0%}):")
        for claim in tag_claims:
            mark = "ok" if claim["deviation"] <= claim["allowed_deviation"] else "OFF"
            approx = "~" if claim["is_approximate"] else " "
            lines.append(
                f"  {claim['tag']:<12} stated {approx}{claim['stated']:<4} actual {claim['actual']:<4} "
                f"deviation {claim['deviation']:>6.1%}  {mark}  (line {claim['source_line']})"
            )
    return "\n".join(lines)
