"""The tests survive the editors: golden figures come from the frozen copy in tests/data, never from today's raw/.

The proof edits a copy of the project as an editor would (a question added, one removed, one reworded, one re-tagged)
and runs there the tests that hold the real appendix's golden figures.
"""

import os
import re
import shutil
import subprocess
import sys

import pytest

from helpers import REAL_APPENDIX, ROOT

GOLDEN = ["tests/test_ingest_real_appendix.py", "tests/test_warehouse_real.py", "tests/test_bench.py", "tests/test_models.py"]


def editors_week(text: str) -> str:
    """Return the appendix after an ordinary week of edits: one added, one removed, one reworded, one re-tagged.

    The appendix prints each question's tag at the start of the next line, so a removed question hands its line's
    leading tag (the previous question's) to the line after it, and a question added at a section's end carries its
    own tag at its end.
    """
    lines = text.splitlines(keepends=True)
    questions = [i for i, line in enumerate(lines) if re.match(r"^(\[\w+\] )?- ", line)]
    reworded, retagged, removed = questions[20], questions[30], questions[10]
    lines[reworded] = lines[reworded].replace("?", ", in one sentence?", 1)
    lines[retagged + 1] = re.sub(
        r"^\[(\w+)\]", lambda m: "[design]" if m.group(1) != "design" else "[debug]", lines[retagged + 1], count=1
    )
    previous_tag = re.match(r"^(\[\w+\] )?", lines[removed]).group(1) or ""
    del lines[removed]
    lines[removed] = re.sub(r"^\[\w+\] ", previous_tag, lines[removed], count=1)
    section_end = next(
        i for i, line in enumerate(lines) if re.match(r"^\[\w+\]$", line.strip()) and re.match(r"^\d+\.\d+ ", lines[i + 1])
    )
    lines.insert(section_end + 1, "- What would you change first in a slow retrieval pipeline? [design]\n")
    return "".join(lines)


def test_the_tests_read_the_frozen_copy_not_raw():
    frozen = REAL_APPENDIX.read_text(encoding="utf-8")
    assert REAL_APPENDIX.parent == ROOT / "tests" / "data" and "Chapter 1" in frozen
    for path in sorted(set((ROOT / "tests").glob("test_*.py")) - {ROOT / "tests" / "test_editors_edits.py"}):
        source = path.read_text(encoding="utf-8")
        assert "appendix2_interview_questions.txt" not in source and "paths.SOURCE" not in source, path.name


@pytest.mark.slow
def test_golden_tests_pass_after_an_editors_week_of_edits_to_raw(tmp_path):
    copy = tmp_path / "project"
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    for name in tracked:
        (copy / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, copy / name)
    raw = copy / "raw" / "appendix2_interview_questions.txt"
    edited = editors_week(raw.read_text(encoding="utf-8"))
    assert edited != raw.read_text(encoding="utf-8")
    raw.write_text(edited, encoding="utf-8")
    from pipeline.ingest.parse import parse_appendix

    assert len(parse_appendix(edited)["questions"]) == 368 and parse_appendix(edited) != parse_appendix(
        REAL_APPENDIX.read_text(encoding="utf-8")
    )
    env = {**os.environ, "PYTHONPATH": str(copy)}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *GOLDEN],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-3000:]
