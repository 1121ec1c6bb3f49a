"""Keep the generated blocks of docs/ (table, check and view references) in step with their sources."""

import re
from pathlib import Path


def schema_markdown(tables) -> str:
    """Return the Markdown reference of `tables`: grain, then one row per column."""
    blocks = []
    for table in tables:
        rows = [f"| `{c.name}` | {c.type}{'' if c.nullable else ', not null'} | {c.doc} |" for c in table.columns]
        blocks.append(
            f"#### `{table.name}` ({table.stage}): {table.grain}\n\n| column | type | meaning |\n|---|---|---|\n"
            + "\n".join(rows)
        )
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

    from pipeline.models import grain, models

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


# Which files (under the project's root) hold each generated block.
BLOCK_FILES = {
    "schema": ("docs/tables.md",),
    "checks": ("docs/checks.md",),
    "views": ("docs/warehouse.md",),
    "commands": ("docs/commands.md",),
    "command-list": ("README.md",),
    "speed": ("README.md",),
    "corpus": ("docs/external.md",),
    "validation": ("docs/external.md",),
    "blind": ("docs/external.md",),
    "blind2": ("docs/external.md",),
}


def generated_readme(readme: str, blocks: dict[str, str]) -> str:
    """Return `readme` (any Markdown text) with every generated block in `blocks` rewritten."""
    for name, content in blocks.items():
        readme = with_block(readme, name, content)
    return readme


def generated_docs(folder: Path, blocks: dict[str, str]) -> dict[Path, tuple[str, str]]:
    """Return, per file holding a block (paths under the project's root `folder`), its text now and as it should be."""
    out = {}
    for name, content in blocks.items():
        for relative in BLOCK_FILES[name]:
            path = Path(folder) / relative
            before = out.get(path, (path.read_text(encoding="utf-8"),) * 2)[0]
            current = out.get(path, (before, before))[1]
            out[path] = (before, with_block(current, name, content))
    return out


def update_docs(folder: Path, blocks: dict[str, str]) -> list[Path]:
    """Rewrite the generated blocks under the project's root `folder`; return the files that changed."""
    changed = []
    for path, (before, after) in generated_docs(folder, blocks).items():
        if after != before:
            path.write_text(after, encoding="utf-8")
            changed.append(path)
    return changed


def readme_blocks(database: Path) -> dict[str, str]:
    """Return the generated blocks by name: tables, checks, the views of the warehouse at `database`, and commands."""
    from pipeline import paths
    from pipeline.schema import TABLES
    from pipeline.suites import load_suites

    return {
        "schema": schema_markdown(TABLES),
        "checks": checks_markdown(load_suites(paths.EXPECTATIONS)),
        "views": views_markdown(describe_views(database, paths.SQL)),
        "commands": commands_markdown((paths.ROOT / "Makefile").read_text(encoding="utf-8")),
        "command-list": command_list((paths.ROOT / "Makefile").read_text(encoding="utf-8")),
        "speed": speed_block(paths.ROOT / "docs" / "bench.json"),
        "corpus": corpus_block(paths.EXTERNAL_CORPUS_FIGURES),
        "validation": corpus_block(paths.EXTERNAL_CORPUS_FIGURES, part="validation"),
        "blind": corpus_block(paths.EXTERNAL_CORPUS_FIGURES, part="blind"),
        "blind2": corpus_block(paths.EXTERNAL_CORPUS_FIGURES, part="blind2"),
    }


def make_commands(makefile: str) -> list[tuple[str, str]]:
    """Return (target, what it does) of every Make target documented with a `## ` comment, in the Makefile's order."""
    return [(target, text.strip()) for target, text in re.findall(r"^([a-z][a-z-]*):[^\n#]*## (.*)$", makefile, re.MULTILINE)]


def commands_markdown(makefile: str) -> str:
    """Return the command table of the README and docs/commands.md, generated from the Makefile's `## ` comments."""
    rows = [f"| `make {target}` | {text} |" for target, text in make_commands(makefile)]
    return "| command | what it does |\n|---|---|\n" + "\n".join(rows)


def corpus_block(figures: Path, part: str | None = None) -> str:
    """Return docs/external.md's table of the corpus (or of the validation banks, `part="validation"`): each bank's
    held-out figures from the last `make eval-external` (docs/external_corpus.json), the macro means and the count
    read right."""
    import json

    data = json.loads(figures.read_text(encoding="utf-8")) if figures.exists() else {}
    data = data.get(part) if part else data
    if not data:
        return "No figures yet: run `make eval-external`."
    rows = [
        f"| `{r['bank']}` | {r['language']} | {r['expected']} | {r['read']} | {r['precision']:.3f} | {r['recall']:.3f} | "
        + ("—" if r.get("confidence") is None else f"{r['confidence']:.2f}")
        + " |"
        for r in sorted(data["banks"], key=lambda r: (min(r["precision"], r["recall"]), r["bank"]))
    ]
    now = data["summary"]
    return (
        "| bank | language | questions | read | precision | recall | confidence |\n|---|---|---|---|---|---|---|\n"
        + "\n".join(rows)
        + f"\n\nMacro precision **{now['precision']:.3f}**, recall **{now['recall']:.3f}**; **{now['right']} of {now['banks']}** "
        f"banks read right (both at least 0.95), from {now['repositories']} repositories. Reading confidence below 0.8: "
        f"{now['warned']} banks warned, {now['warned_wrong']} of them read wrong; {now['warned_wrong']} of the {now['wrong']} "
        "banks read wrong were warned."
    )


def speed_block(results: Path) -> str:
    """Return the README's speed section, drawn from the last `make bench` (docs/bench.json)."""
    import json

    from pipeline.bench.summary import speed_markdown

    return speed_markdown(json.loads(results.read_text(encoding="utf-8")) if results.exists() else None)


def command_list(makefile: str) -> str:
    """Return the README's short form: every make target and every pipeline command, by name (the table of what each
    does is in docs/commands.md)."""
    from pipeline.cli import COMMANDS
    from pipeline.flow.graph import STAGES

    targets = " · ".join(f"`make {target}`" for target, _ in make_commands(makefile))
    stages = {stage.name for stage in STAGES}
    tools = ", ".join(f"`{name}`" for name in COMMANDS if name not in stages)
    steps = ", ".join(f"`{stage.name}`" for stage in STAGES)
    return (
        f"{targets}\n\nCommands of `.venv/bin/python -m pipeline` (`--help` on each): {tools}; and each stage, {steps}: "
        "it builds into the work area and never publishes."
    )


def add_arguments(parser) -> None:
    from pipeline import options

    parser.add_argument("--update", action="store_true", help="rewrite those blocks in docs/ and the README")
    options.warehouse(parser, "the built warehouse whose views are described")


def main(args, context: dict) -> int:
    from pipeline import paths
    from pipeline.errors import InputError
    from pipeline.terminal import say

    database = args.warehouse / paths.DUCKDB_FILE
    if not database.exists():
        raise InputError("no warehouse database to describe the views from: run `make all` first", str(database))
    blocks = readme_blocks(database)
    if args.update:
        changed = update_docs(paths.ROOT, blocks)
        say(
            "updated: " + ", ".join(str(p.relative_to(paths.ROOT)) for p in changed)
            if changed
            else "docs/ and the README already up to date"
        )
    else:
        say("\n\n".join(blocks.values()))
    return 0
