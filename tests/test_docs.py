"""The README stays true: the table reference, the commands, and the make targets it names."""

import re

from conftest import ROOT, run_cli
from pipeline.__main__ import build_parser, readme_blocks
from pipeline.docs import generated_readme

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_generated_blocks_match_their_sources():
    assert generated_readme(README, readme_blocks()) == README, "run: .venv/bin/python -m pipeline docs --update-readme"


def test_readme_first_two_commands_are_make_all_and_make_test():
    first_block = re.search(r"```sh\n(.*?)```", README, re.DOTALL).group(1)
    assert [line.split("#")[0].strip() for line in first_block.strip().splitlines()] == ["make all", "make test"]


def test_every_cli_command_has_help_and_is_in_the_readme():
    commands = build_parser()._subparsers._group_actions[0].choices
    for name, sub in commands.items():
        assert sub.description or sub.format_help()
        assert run_cli(name, "--help").returncode == 0
        assert f"python -m pipeline {name}" in README or f"`{name}`" in README, name


def test_every_make_command_is_documented():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for target in re.findall(r"^([a-z-]+):.*## ", makefile, re.MULTILINE):
        assert f"make {target}" in README, target
