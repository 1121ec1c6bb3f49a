"""Keep README.md's generated blocks (table reference, check reference) in step with their sources."""

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
        raise ValueError(f"README has no <!-- {name}:start --> … <!-- {name}:end --> block")
    return pattern.sub(lambda m: m.group(1) + content + "\n" + m.group(2), readme)


def generated_readme(readme: str, blocks: dict[str, str]) -> str:
    """Return `readme` with every generated block rewritten."""
    for name, content in blocks.items():
        readme = with_block(readme, name, content)
    return readme


def update_readme(path: Path, blocks: dict[str, str]) -> bool:
    """Rewrite the README's generated blocks; return whether anything changed."""
    before = path.read_text(encoding="utf-8")
    after = generated_readme(before, blocks)
    if after != before:
        path.write_text(after, encoding="utf-8")
    return after != before
