"""Keep README.md's table reference in step with pipeline/schema.py."""

import re
from pathlib import Path

SCHEMA_BLOCK = re.compile(r"(<!-- schema:start -->\n).*?(<!-- schema:end -->)", re.DOTALL)


def with_schema_reference(readme: str, reference: str) -> str:
    """Return `readme` with the text between the schema markers replaced by `reference`."""
    return SCHEMA_BLOCK.sub(lambda m: m.group(1) + reference + "\n" + m.group(2), readme)


def update_readme(path: Path, reference: str) -> bool:
    """Rewrite the README's schema block; return whether it changed."""
    before = path.read_text(encoding="utf-8")
    after = with_schema_reference(before, reference)
    if after != before:
        path.write_text(after, encoding="utf-8")
    return after != before
