"""Keep the generated blocks of docs/ (table, check and view references) in step with their sources."""

import re
from pathlib import Path


def schema_markdown(tables) -> str:
    """Return the Markdown reference of `tables`: grain, then one row per column."""
    blocks = []
    for table in tables:
        rows = [f"| `{c.name}` | {c.type}{'' if c.nullable else ', not null'} | {c.doc} |" for c in table.columns]
        blocks.append(f"#### `{table.name}` ({table.stage}): {table.grain}\n\n| column | type | meaning |\n|---|---|---|\n" + "\n".join(rows))
    return "\n\n".join(blocks)


def checks_markdown(suites: list[dict]) -> str:
    """Return the Markdown list of every expectation: suite, check id, severity, what it asserts."""
    rows = [
        f"| `{suite['name']}` | `{e['meta']['check']}` | {e['meta']['severity']} | {e['meta'].get('why', '')} |"
        for suite in suites
        for e in suite["expectations"]
    ]
    return "| suite | check | severity | asserts |\n|---|---|---|---|\n" + "\n".join(rows)


def views_markdown(views: list[tuple[str, str, str, list[tuple[str, str]]]]) -> str:
    """Return the Markdown reference of the warehouse views: (name, layer, grain, [(column, type)])."""
    blocks = []
    for name, layer, grain, columns in views:
        listed = ", ".join(f"`{column}` {kind.lower()}" for column, kind in columns)
        blocks.append(f"- **`{name}`** ({layer}): {grain}. Columns: {listed}.")
    return "\n".join(blocks)


def describe_views(database: Path, sql_root: Path) -> list[tuple[str, str, str, list[tuple[str, str]]]]:
    """Return (name, layer, grain, columns) of every SQL model, its columns read from the built warehouse."""
    import duckdb

    from pipeline.warehouse.runner import grain, models

    connection = duckdb.connect(str(database), read_only=True)
    try:
        return [
            (name, path.parent.name, grain(path), [(row[0], row[1]) for row in connection.sql(f"describe {name}").fetchall()])
            for name, path in models(sql_root)
        ]
    finally:
        connection.close()


def with_block(readme: str, name: str, content: str) -> str:
    """Return `readme` with the text between `<!-- name:start -->` and `<!-- name:end -->` replaced by `content`."""
    pattern = re.compile(rf"(<!-- {name}:start -->\n).*?(<!-- {name}:end -->)", re.DOTALL)
    if not pattern.search(readme):
        raise ValueError(f"no <!-- {name}:start --> … <!-- {name}:end --> block")
    return pattern.sub(lambda m: m.group(1) + content + "\n" + m.group(2), readme)


# Which file of docs/ holds each generated block.
BLOCK_FILES = {"schema": "tables.md", "checks": "checks.md", "views": "warehouse.md"}


def generated_readme(readme: str, blocks: dict[str, str]) -> str:
    """Return `readme` (any Markdown text) with every generated block in `blocks` rewritten."""
    for name, content in blocks.items():
        readme = with_block(readme, name, content)
    return readme


def generated_docs(folder: Path, blocks: dict[str, str]) -> dict[Path, tuple[str, str]]:
    """Return, per doc file holding a block, its text now and as it should be."""
    out = {}
    for name, content in blocks.items():
        path = Path(folder) / BLOCK_FILES[name]
        before = out.get(path, (path.read_text(encoding="utf-8"),) * 2)[0]
        current = out.get(path, (before, before))[1]
        out[path] = (before, with_block(current, name, content))
    return out


def update_docs(folder: Path, blocks: dict[str, str]) -> list[Path]:
    """Rewrite the generated blocks of docs/; return the files that changed."""
    changed = []
    for path, (before, after) in generated_docs(folder, blocks).items():
        if after != before:
            path.write_text(after, encoding="utf-8")
            changed.append(path)
    return changed
