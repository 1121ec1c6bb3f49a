"""The house rules, read from the imports: no stage reaches into another, and no shared room reaches up into a stage.

Stage packages run one step of the pipeline each. Shared rooms (the top-level modules, `similarity`) sit below all
of them. Only the command line, the build graph and its runner (build/), the docs generator, the bench, the evaluations and the
workbench may import several stages.
"""

import ast
from pathlib import Path

import pytest

from helpers import ROOT

PACKAGE = ROOT / "pipeline"
STAGES = {"ingest", "check", "dedup", "external", "overlap", "tags", "warehouse", "report", "publish", "changes"}
PRIVILEGED = {"__main__", "cli", "flow", "docs", "bench", "evaluation", "workbench"}
SHARED_PACKAGES = {"similarity"}


IMPORTERS = ("importlib.import_module", "import_module", "__import__", "importlib.__import__")
DYNAMIC = "pipeline.<dynamic>"  # an import whose name is computed: only the privileged rooms may make one


def room(module: str) -> str:
    """Return the room of `pipeline.x.y`: its first part under pipeline (a top-level module is a room of its own)."""
    return module.split(".")[1] if module.count(".") else ""


def module_name(path: Path) -> str:
    """Return the dotted name of a module file under PACKAGE's parent (`pipeline/check/stage.py` → pipeline.check.stage)."""
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path, name: str | None = None) -> list[str]:
    """Return every `pipeline.…` module `path` (the module `name`) imports, at its top or inside a function: absolute
    and relative imports, and `importlib.import_module` or `__import__` of a name written in the call."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    name = name or module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:  # from . import x, from ..check import stage: resolved against this module's package
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([module] if module else []))
            if module == "pipeline" or (node.level and not node.module):
                found += [f"{module}.{alias.name}" for alias in node.names]
            elif module.startswith("pipeline."):
                found.append(module)
        elif isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if alias.name.startswith("pipeline.")]
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            called = ast.unparse(node.func)
            if called in IMPORTERS and str(node.args[0].value).startswith("pipeline."):
                found.append(node.args[0].value)
        elif isinstance(node, ast.Call) and node.args and ast.unparse(node.func) in IMPORTERS:
            found.append(DYNAMIC)  # a name made at run time: no rule can be read from it
    return found


def modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).with_suffix("")
        yield path, relative.parts[0]


def violations(rules_for) -> list[str]:
    bad = []
    for path, own in modules():
        for imported in imports(path, module_name(path)):
            target = room(imported)
            if target != own and not rules_for(own, target):
                bad.append(f"{path.relative_to(ROOT)} imports {imported}")
    return bad


def allowed(own: str, target: str) -> bool:
    if own in PRIVILEGED:
        return True
    if target in PRIVILEGED:
        return False
    if target == room(DYNAMIC):  # `import_module("pipeline." + name)` would hide any of the imports below
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
    assert sorted(imports(source, "pipeline.m")) == ["pipeline.check", "pipeline.ingest.parse", "pipeline.io"]


def test_the_reader_finds_relative_imports_and_import_module(tmp_path):
    """#38: `from ..check import stage` and `importlib.import_module("pipeline.check.stage")` were unseen."""
    source = tmp_path / "m.py"
    source.write_text(
        "import importlib\nfrom ..check import stage\nfrom . import parse\nfrom .. import io\n"
        "def f():\n    importlib.import_module('pipeline.tags.model')\n    __import__('pipeline.report')\n"
    )
    found = sorted(imports(source, "pipeline.dedup.m"))
    assert found == ["pipeline.check", "pipeline.dedup.parse", "pipeline.io", "pipeline.report", "pipeline.tags.model"]
    assert [room(m) for m in found if room(m) != "dedup" and not allowed("dedup", room(m))] == ["check", "report", "tags"]


def test_a_computed_import_name_is_a_violation_outside_the_privileged_rooms(tmp_path):
    """#45: `importlib.import_module("pipeline." + "check.stage")` inside a stage passed every test."""
    source = tmp_path / "m.py"
    source.write_text("import importlib\ndef f(x):\n    importlib.import_module('pipeline.' + x)\n    __import__(x)\n")
    found = imports(source, "pipeline.dedup.m")
    assert found == [DYNAMIC, DYNAMIC]
    assert not allowed("dedup", room(DYNAMIC)) and allowed("workbench", room(DYNAMIC))
