"""The README and docs/ stay true: the generated references, the commands, and the make targets they name."""

import json
import re

import pytest

from helpers import ROOT, run_cli
from pipeline.cli import COMMANDS, parse, parser_for
from pipeline.docs import generated_docs, readme_blocks

README = (ROOT / "README.md").read_text(encoding="utf-8")
README_LIMIT = 12 * 1024


@pytest.fixture(scope="module")
def real_warehouse(tmp_path_factory):
    """The real appendix built through the warehouse stage, into a temporary folder."""
    from helpers import REAL_APPENDIX, build_warehouse

    return build_warehouse(REAL_APPENDIX, tmp_path_factory.mktemp("docs"))[0]


def test_generated_references_match_their_sources(real_warehouse):
    blocks = readme_blocks(real_warehouse / "questions.duckdb")
    for path, (now, expected) in generated_docs(ROOT, blocks).items():
        assert now == expected, f"{path} is stale: run make all && .venv/bin/python -m pipeline docs --update"


def test_the_command_tables_come_from_the_makefile():
    from pipeline.docs import commands_markdown, make_commands

    makefile = "all: publish ## rebuild everything\nhelp: ## list the commands\nhidden:\n\t@true\n"
    assert make_commands(makefile) == [("all", "rebuild everything"), ("help", "list the commands")]
    from pipeline.docs import command_list

    makefile_text = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert commands_markdown(makefile_text) in (ROOT / "docs" / "commands.md").read_text(encoding="utf-8")
    assert command_list(makefile_text) in README  # a target added, removed or reworded shows in both, or this fails
    assert "`make diff`" in command_list(makefile) + command_list(makefile_text) and "`changes`" in command_list(makefile)


def test_the_readme_is_a_front_page():
    assert len(README.encode("utf-8")) <= README_LIMIT
    for link in re.findall(r"\]\((docs/[^)#]+)", README):
        assert (ROOT / link).exists(), link


def test_readme_example_queries_run_verbatim(real_warehouse):
    import duckdb

    examples = re.findall(r"```sql\n(.*?)```", README.split("## Example queries", 1)[1].split("\n## ", 1)[0], re.DOTALL)
    assert len(examples) == 5
    connection = duckdb.connect(str(real_warehouse / "questions.duckdb"), read_only=True)
    try:
        for query in examples:
            assert connection.sql(query).fetchall(), query
    finally:
        connection.close()


def test_readme_make_sql_example_runs(real_warehouse):
    command = re.search(r"```sh\n(?:.*\n)*?make sql Q=\"(.*?)\"", README).group(1)
    result = run_cli("sql", "--warehouse", str(real_warehouse), command)
    assert result.returncode == 0 and "conceptual" in result.stdout


def test_readme_first_two_commands_are_make_all_and_make_test():
    first_block = re.search(r"```sh\n(.*?)```", README, re.DOTALL).group(1)
    assert [line.split("#")[0].strip() for line in first_block.strip().splitlines()] == ["make all", "make test"]


def test_every_cli_command_has_help_and_is_in_the_readme():
    for name in COMMANDS:
        assert parser_for(name).description
        assert run_cli(name, "--help").returncode == 0
        assert f"python -m pipeline {name}" in README or f"`{name}`" in README, name


def test_every_make_command_is_documented():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for target in re.findall(r"^([a-z-]+):.*## ", makefile, re.MULTILINE):
        assert f"make {target}" in README, target


def readme_commands() -> list[str]:
    """Return every command the README shows: lines of its sh blocks and `make …` / `python -m pipeline …` in its text."""
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", README, re.DOTALL):
        commands += [line.split("  #")[0].strip() for line in block.splitlines() if line.strip()]
    commands += re.findall(r"`((?:make|python -m pipeline) [^`]+)`", README)
    return sorted(set(commands))


def test_every_readme_command_is_valid():
    """Each `make` command the README shows is a target Make accepts (dry run); each pipeline command parses its arguments."""
    import subprocess

    env = {k: v for k, v in __import__("os").environ.items() if not k.startswith("MAKE")}
    checked = 0
    for command in readme_commands():
        import shlex

        words = shlex.split(command.replace("FILE", "raw/external/awesome_genai_60.md"))
        if words[0] == "make":
            args = [w for w in words[1:] if "…" not in w]
            result = subprocess.run(["make", "-n", "-C", str(ROOT), *args], capture_output=True, text=True, env=env)
            assert result.returncode == 0, (command, result.stderr)
        elif words[:3] == ["python", "-m", "pipeline"]:
            if len(words) == 4:  # a command named in the text: it exists
                assert words[3] in COMMANDS, command
            else:
                parse(words[3:])  # raises SystemExit on a bad command
        checked += 1
    assert checked >= 15


def test_the_readme_preview_command_runs():
    result = run_cli("external-preview", str(ROOT / "raw" / "external" / "awesome_genai_60.md"))
    assert result.returncode == 0 and "auto chose numbered: 62 items" in result.stdout


def test_the_speed_table_holds_the_20k_figures_to_issue_26s_targets():
    from pipeline.bench.summary import MINHASH, scale_rows

    stages = {"ingest+external+embed": {"wall_s": 40.0}, "overlap+dedup": {"wall_s": 8.0}, "tags": {"wall_s": 16.0}}
    size = {"size": 20_000, "stages": stages, "duplicates": {"recall": 0.97, "precision_injected": 0.80},
            "peers": [{"name": MINHASH, "wall_s": 6.0}]}  # fmt: skip
    assert scale_rows([size]) == [
        "| 20K duplicate finding ≤ 8 × MinHashLSH 0.5's time, recall ≥ 0.97, precision ≥ 0.8 (#26) | 8.0 ×, recall 0.970, "
        "precision 0.800 | met |",
        "| 20K tag audit ≤ 16 s (a third of #26's 48 s) | 16.0 s | met |",
    ]
    stages["tags"]["wall_s"], size["duplicates"]["precision_injected"] = 16.1, 0.799
    assert [row.endswith("| missed |") for row in scale_rows([size])] == [True, True]
    assert scale_rows([{**size, "size": 10_000}]) == []


def test_the_speed_table_is_drawn_from_the_bench_results():
    from pipeline.bench.summary import speed_markdown

    bench = {"machine": {"cores": 2}, "make_all": {"clean_median_s": 6.0, "import_floor_s": 3.0, "ratio_to_floor": 2.0},
             "review": {"key_to_file_round_trip_median_ms": 2.5, "rebuild_median_s": 1.6, "verdict_to_published_median_s": 1.75, "met": False},
             "sizes": [{"size": 20000, "duplicates": {"recall": 0.97, "precision_injected": 0.8, "flagged_pairs": 10},
                        "stages": {"ingest+external+embed": {"wall_s": 8.0}, "overlap+dedup": {"wall_s": 2.0, "peak_mib": 100}},
                        "peers": [{"name": "MinHash", "recall": 0.9, "precision": 0.6, "flagged": 99, "wall_s": 5.0, "peak_mib": 50}]}]}  # fmt: skip
    table = speed_markdown(bench)
    assert "| 20K | MinHash | 0.900 | 0.600 | 99 | 5.0 s | 2.00 / 2.00 |" in table
    assert "6.00 s against 3.00 s: 2.00 × | missed |" in table and "rebuild 1.60 s" in table and table.count("| missed |") == 2
    assert speed_markdown(None) == "No `make bench` results in docs/bench.json yet."
    assert (
        "<!-- speed:start -->\n" + speed_markdown(json.loads((ROOT / "docs" / "bench.json").read_text(encoding="utf-8")))
        in README
    )


DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def test_every_path_the_docs_quote_exists():
    """#38: a path in backticks (`pipeline/…`, `tests/…`, `expectations/…`, `docs/…`, `raw/…`) names a real file."""
    missing = []
    for doc in DOCS:
        for quoted in re.findall(r"`((?:pipeline|tests|expectations|docs|raw|\.ci)/[^`\s]*)`", doc.read_text(encoding="utf-8")):
            if not any(c in quoted for c in "*<…{") and not (ROOT / quoted.split("::")[0].split(":")[0]).exists():
                missing.append(f"{doc.name}: {quoted}")
    assert missing == []


def stage_table() -> list[tuple[str, str]]:
    """Return (stage, its first code path) for each row of docs/commands.md's stage table, in its order."""
    text = (ROOT / "docs" / "commands.md").read_text(encoding="utf-8").split("| stage | code |", 1)[1].split("\n\n", 1)[0]
    return [
        (row[0].strip(), re.search(r"`([^`]+)`", row[1])[1]) for row in (line.split("|")[1:3] for line in text.splitlines()[2:])
    ]


def test_the_stage_table_places_each_stage_where_its_code_lives():
    """docs/commands.md once placed overlap in pipeline/external/: each stage's code is the room the graph declares
    first for it (its command is the runner's, pipeline/flow/stage_command.py, for every stage)."""
    from pipeline.flow.graph import BY_NAME

    rows = stage_table()
    assert [stage for stage, _ in rows][:3] == ["ingest", "external", "embed"] and len(rows) == 11
    for stage, code in rows:
        if stage in BY_NAME:
            room = BY_NAME[stage].code[0].split("/")[0]
            assert code.startswith(f"pipeline/{room}/"), f"{stage}: docs say {code}, the graph says pipeline/{room}/"
            assert COMMANDS[stage][0] == "pipeline.flow.stage_command"


def make_graph() -> dict[str, set[str]]:
    """Return each stage of the build graph (pipeline/flow/graph.py) → the stages it reads from."""
    from pipeline.flow.graph import STAGES

    return {stage.name: set(stage.after) for stage in STAGES}


def test_the_docs_give_the_stages_in_an_order_make_can_run_them():
    """docs/development.md and docs/commands.md once put check before the dedup and tags it reads: both follow the
    graph's declaration."""
    graph = make_graph()
    assert graph["check"] >= {"dedup", "tags"} and graph["changes"] >= {"warehouse", "check"}
    development = (ROOT / "docs" / "development.md").read_text(encoding="utf-8")
    line = next(line for line in development.splitlines() if line.strip().startswith("ingest/ external/"))
    written = [re.match(r"\w+", word)[0] for word in line.split()]
    for order in (written, [stage for stage, _ in stage_table()]):
        seen = set()
        for stage in order:
            assert graph.get(stage, set()) <= seen, f"{stage} comes before {graph[stage] - seen} in {order}"
            seen.add(stage)
        assert set(graph) <= seen, set(graph) - seen


def test_the_kill_tests_the_docs_count_are_the_tests_there_are():
    """docs/reliability.md's case counts and stage list are test_crash's (they said 34 and left out changes)."""
    import test_crash

    text = (ROOT / "docs" / "reliability.md").read_text(encoding="utf-8")
    named = re.search(r"\| killed at a named point of every stage \| (\d+) \| .*?for each of (.*?) \(", text)
    assert int(named[1]) == len(test_crash.NAMED)
    assert re.split(r", | and ", named[2]) == list(test_crash.STAGES)
    assert int(re.search(r"\| killed at a random instant \| (\d+) \|", text)[1]) == len(test_crash.TIMED)


def test_the_limits_the_docs_state_are_the_limits():
    from pipeline import limits

    text = (ROOT / "docs" / "reliability.md").read_text(encoding="utf-8")
    assert f"over the limit of {limits.APPENDIX_MAX_BYTES:,} for the appendix" in text
    assert f"| the appendix file | {limits.APPENDIX_MAX_BYTES // 2**20} MiB" in text
    assert (
        f"| each editors' CSV file (duplicate and tag decisions, registry, aliases, generic terms) | {limits.CSV_MAX_BYTES // 2**20} MiB |"
        in text
    )


def test_the_commands_page_claims_hold():
    """docs/commands.md once said Make tracks real files (every target is phony) and that the workbench writes only the
    two verdict files (it appends the history too): each claim it makes about Make and the writers is checked here."""
    import re

    from pipeline.docs import make_commands

    text = (ROOT / "docs" / "commands.md").read_text(encoding="utf-8")
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "Every Make target is phony" in text
    phony = set(re.search(r"^\.PHONY: (all help .*)$", makefile, re.MULTILINE)[1].split())
    assert {target for target, _ in make_commands(makefile)} <= phony
    from pipeline.schema import EDITORS_FILES

    written_by_workbench = {"duplicate_decisions", "tag_decisions", "verdict_history"}
    assert written_by_workbench <= {f.name for f in EDITORS_FILES}
    assert all(f"raw/{name}.csv" in text for name in written_by_workbench)
