"""The house rules, read from the imports: no stage reaches into another, and no shared room reaches up into a stage.

Stage packages run one step of the pipeline each. Shared rooms (the top-level modules, `similarity`) sit below all
of them. Only the command line, the docs generator, the bench, the evaluations and the workbench (it runs the stages) may import several stages.
"""

import ast
from pathlib import Path

import pytest

from helpers import ROOT

PACKAGE = ROOT / "pipeline"
STAGES = {"ingest", "check", "dedup", "external", "overlap", "tags", "warehouse", "report", "publish", "changes"}
PRIVILEGED = {"__main__", "cli", "docs", "bench", "evaluation", "workbench"}
SHARED_PACKAGES = {"similarity"}


def room(module: str) -> str:
    """Return the room of `pipeline.x.y`: its first part under pipeline (a top-level module is a room of its own)."""
    return module.split(".")[1] if module.count(".") else ""


def imports(path: Path) -> list[str]:
    """Return every `pipeline.…` module `path` imports, at its top or inside a function."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("pipeline"):
            found += [node.module] if node.module != "pipeline" else [f"pipeline.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if alias.name.startswith("pipeline.")]
    return found


def modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).with_suffix("")
        yield path, relative.parts[0]


def violations(rules_for) -> list[str]:
    bad = []
    for path, own in modules():
        for imported in imports(path):
            target = room(imported)
            if target != own and not rules_for(own, target):
                bad.append(f"{path.relative_to(ROOT)} imports {imported}")
    return bad


def allowed(own: str, target: str) -> bool:
    if own in PRIVILEGED:
        return True
    if target in PRIVILEGED:
        return False
    if target in STAGES:  # a stage may use only its own package; a shared room never reaches up into a stage
        return False
    return True


def test_no_stage_imports_another_and_no_shared_room_imports_a_stage():
    assert violations(allowed) == []


@pytest.mark.parametrize(
    "own, target, expected",
    [
        ("dedup", "ingest", False),
        ("io", "check", False),
        ("dedup", "similarity", True),
        ("cli", "dedup", True),
        ("keys", "evaluation", False),
        ("report", "suites", True),
    ],
)
def test_the_rule_itself(own, target, expected):
    assert allowed(own, target) is expected


def test_the_reader_finds_imports_inside_functions(tmp_path):
    source = tmp_path / "m.py"
    source.write_text(
        "def f():\n    from pipeline.check import stage\n    import pipeline.ingest.parse\nfrom pipeline import io\n"
    )
    assert sorted(imports(source)) == ["pipeline.check", "pipeline.ingest.parse", "pipeline.io"]
