"""A base or history point reads from git only what the build reads, by its name at that commit (issue #44, 12 and 13).

Small git repositories in tmp_path; nothing here builds a bank but the last test, which stops at its first stage.
"""

import subprocess
import tracemalloc
from pathlib import Path

import pytest

from helpers import call_cli
from pipeline import limits
from pipeline.errors import InputError
from pipeline.flow import versions

APPENDIX = "".join(f"- Question number {n}: what is the answer?\n" for n in range(40))


def commit(repo: Path, message: str, files: dict[str, str | bytes] | None = None) -> Path:
    """Write `files` (path: text or bytes) into `repo` (a new repository if there is none), commit everything; return it."""
    for name, content in (files or {}).items():
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    if not (repo / ".git").exists():
        git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", message)
    return repo


def git(repo: Path, *words: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *words], check=True, capture_output=True, text=True).stdout


def read_at(ref: str, repo: Path, area: Path, **given: str) -> tuple[dict[str, str], dict[str, str]]:
    """Return base_inputs at `ref` for inputs given by their path in `repo` (SOURCE="raw/x.txt")."""
    return versions.base_inputs(versions.resolve(ref, repo), area, {k: str(repo / v) for k, v in given.items()}, repo)


@pytest.mark.parametrize(
    "diff, renames",
    [
        ("R087\0raw/a.txt\0raw/b.txt\0", {"raw/b.txt": "raw/a.txt"}),
        ("D\0raw/a.txt\0A\0raw/b.txt\0", {}),
        ("M\0raw/x.csv\0C075\0raw/a.txt\0raw/c.txt\0R100\0raw/d\0raw/e f\0", {"raw/e f": "raw/d"}),
        ("", {}),
    ],
)
def test_renames_are_read_from_git_diffs_name_status(diff, renames):
    assert versions.parse_renames(diff) == renames


def test_a_tree_listing_gives_each_path_its_kind_and_size():
    listing = "100644 blob aaa     12\traw/a b.txt\x00120000 blob bbb 11\traw/link\x00160000 commit ccc       -\traw/sub\x00"
    assert versions.parse_tree(listing) == {
        "raw/a b.txt": versions.Entry("100644", "blob", "aaa", 12),
        "raw/link": versions.Entry("120000", "blob", "bbb", 11),
        "raw/sub": versions.Entry("160000", "commit", "ccc", None),
    }


def test_an_input_is_read_from_git_only_when_it_is_under_the_repositorys_raw(tmp_path):
    assert versions.inside_raw(str(tmp_path / "raw/sub/a.txt"), tmp_path) == "raw/sub/a.txt"
    assert versions.inside_raw(str(tmp_path / "raw/../elsewhere.txt"), tmp_path) is None
    assert versions.inside_raw("/elsewhere/raw/a.txt", tmp_path) is None


def test_a_registry_names_its_banks_relative_to_its_own_folder():
    registry = "bank_id,name,file,source,licence,layout,question_level,stated_as\n"
    rows = ["in,In,external/a.md,x,MIT,numbered,,", "up,Up,../b.md,x,MIT,numbered,,", "abs,Abs,/etc/passwd,x,MIT,numbered,,"]
    got = versions.bank_paths(registry + "\n".join(rows) + "\n", "raw/banks.csv")
    assert [(line, bank["bank_id"], path) for line, bank, path in got] == [
        (2, "in", "raw/external/a.md"),
        (3, "up", None),
        (4, "abs", None),
    ]
    assert versions.bank_paths("not,a,registry\n", "raw/banks.csv") == []


def test_a_base_follows_a_committed_rename_and_one_not_yet_added(tmp_path):
    repo = commit(tmp_path / "repo", "bank", {"raw/appendix.txt": APPENDIX, "raw/other.txt": "x\n"})
    git(repo, "mv", "raw/appendix.txt", "raw/bank.txt")
    commit(repo, "renamed", {"raw/bank.txt": APPENDIX + "- One more question?\n"})
    inputs, shown = read_at("HEAD~1", repo, tmp_path / "area", SOURCE="raw/bank.txt")
    assert Path(inputs["SOURCE"]).read_text(encoding="utf-8") == APPENDIX
    assert shown[inputs["SOURCE"]].startswith("raw/bank.txt at HEAD~1 (")
    assert shown[inputs["SOURCE"]].endswith(", named raw/appendix.txt there")

    (repo / "raw/bank.txt").rename(repo / "raw/final.txt")  # a plain mv: git does not know raw/final.txt yet
    before = (git(repo, "status", "--porcelain"), (repo / ".git/index").read_bytes())
    for ref, text in (("HEAD", APPENDIX + "- One more question?\n"), ("HEAD~1", APPENDIX)):
        inputs, _ = read_at(ref, repo, tmp_path / "area", SOURCE="raw/final.txt")
        assert Path(inputs["SOURCE"]).read_text(encoding="utf-8") == text
    assert (git(repo, "status", "--porcelain"), (repo / ".git/index").read_bytes()) == before  # git's state untouched


def test_every_history_point_reads_the_appendix_by_its_name_at_that_commit(tmp_path):
    repo = commit(tmp_path / "repo", "bank", {"raw/appendix.txt": APPENDIX})
    commit(repo, "one more", {"raw/appendix.txt": APPENDIX + "- One more question?\n"})
    git(repo, "mv", "raw/appendix.txt", "raw/bank.txt")
    commit(repo, "renamed")
    points = versions.raw_commits(repo)  # what make history builds, each by its commit (history.record)
    names = ["raw/appendix.txt", "raw/appendix.txt", "raw/bank.txt"]
    assert [point["subject"] for point in points] == ["bank", "one more", "renamed"]
    for point, name in zip(points, names, strict=True):
        inputs, shown = read_at(point["commit"], repo, tmp_path / "area" / point["tree"], SOURCE="raw/bank.txt")
        assert Path(inputs["SOURCE"]).read_text(encoding="utf-8") == git(repo, "show", f"{point['commit']}:{name}")
        assert shown[inputs["SOURCE"]].startswith(f"raw/bank.txt at {point['commit'][:10]}")


def test_a_missing_appendix_names_the_commit_and_the_file_as_the_person_knows_it(tmp_path, capsys):
    repo = commit(tmp_path / "repo", "bank", {"raw/appendix.txt": APPENDIX})
    (repo / "raw/appendix.txt").unlink()
    commit(repo, "a new bank, nothing like the old", {"raw/new.txt": "- Something else entirely?\n"})
    short = git(repo, "rev-parse", "HEAD~1").strip()[:10]
    with pytest.raises(InputError) as raised:
        read_at("HEAD~1", repo, tmp_path / "area", SOURCE="raw/new.txt")
    assert str(raised.value) == f"raw/new.txt at HEAD~1 ({short}): no such file, nor a file it was renamed from"
    area = tmp_path / "versions"
    code = call_cli("base", "--ref", "HEAD~1", "--repo", str(repo), "--area", str(area), "--stamp", str(tmp_path / "s"),
                    "--warehouse", str(tmp_path / "w"), f"SOURCE={repo / 'raw/new.txt'}")  # fmt: skip
    said = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error:")]
    assert code == 2 and said == [f"error: raw/new.txt at HEAD~1 ({short}): no such file, nor a file it was renamed from"]


def test_an_editors_file_added_later_is_read_as_no_rows_and_the_rest_of_raw_is_never_read(tmp_path):
    big = b"\0" * (32 * 2**20)  # in history, in raw/, read by nothing: never read, never written
    repo = commit(tmp_path / "repo", "bank", {"raw/appendix.txt": APPENDIX * 4000, "raw/big.bin": big})  # 8 MB, read
    commit(repo, "decisions", {"raw/tag_decisions.csv": "question_id,label,verdict,reviewer,date,note\nq1,1.1,ok,a,b,c\n"})
    (repo / "raw/big.bin").unlink()
    commit(repo, "big file gone")
    tracemalloc.start()
    try:
        inputs, _ = read_at("HEAD~2", repo, tmp_path / "area", SOURCE="raw/appendix.txt", TAG_DECISIONS="raw/tag_decisions.csv")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2 * 2**20, f"{peak:,} bytes passed through this process"  # the 8 MB appendix was streamed, not held
    assert Path(inputs["SOURCE"]).stat().st_size == len(APPENDIX) * 4000
    assert Path(inputs["TAG_DECISIONS"]).read_text(encoding="utf-8") == "question_id,label,verdict,reviewer,date,note\n"
    written = [p for p in (tmp_path / "area").rglob("*") if p.is_file()]
    assert sorted(p.name for p in written) == ["appendix.txt", "tag_decisions.csv"]


def test_an_input_over_the_builds_limit_at_the_base_is_refused_in_one_line(tmp_path, capsys):
    repo = commit(tmp_path / "repo", "huge", {"raw/appendix.txt": b"a" * (limits.APPENDIX_MAX_BYTES + 1)})
    commit(repo, "back to normal", {"raw/appendix.txt": APPENDIX})
    area = tmp_path / "versions"
    code = call_cli("base", "--ref", "HEAD~1", "--repo", str(repo), "--area", str(area), "--stamp", str(tmp_path / "s"),
                    "--warehouse", str(tmp_path / "w"), f"SOURCE={repo / 'raw/appendix.txt'}")  # fmt: skip
    said = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    short = git(repo, "rev-parse", "HEAD~1").strip()[:10]
    size, limit = limits.APPENDIX_MAX_BYTES + 1, limits.APPENDIX_MAX_BYTES
    assert code == 2 and said == [
        f"error: raw/appendix.txt at HEAD~1 ({short}): is {size:,} bytes, over the limit of {limit:,} for the appendix "
        "(docs/reliability.md): refused unread"
    ]
    assert not [p for p in area.rglob("*") if p.is_file()]  # nothing of it written


def test_a_bank_file_over_its_limit_or_missing_at_the_base_is_one_line_naming_it(tmp_path):
    header = "bank_id,name,file,source,licence,layout,question_level,stated_as\n"
    files = {"raw/appendix.txt": APPENDIX, "raw/external/small.md": "1. A question?\n", "raw/external/big.md": b"a" * (limits.BANK_MAX_BYTES + 1)}  # fmt: skip
    registry = header + "small,Small,external/small.md,x,MIT,numbered,,\n"
    repo = commit(tmp_path / "repo", "banks", {**files, "raw/banks.csv": registry})
    inputs, _ = read_at("HEAD", repo, tmp_path / "area", SOURCE="raw/appendix.txt", EXTERNAL_BANKS="raw/banks.csv")
    assert (Path(inputs["EXTERNAL_BANKS"]).parent / "external/small.md").read_text(encoding="utf-8") == "1. A question?\n"
    assert not (Path(inputs["EXTERNAL_BANKS"]).parent / "external/big.md").exists()  # registered by nobody: never read
    commit(repo, "big registered", {"raw/banks.csv": registry + "big,Big,external/big.md,x,MIT,numbered,,\n"})
    with pytest.raises(InputError) as raised:
        read_at("HEAD", repo, tmp_path / "area2", SOURCE="raw/appendix.txt", EXTERNAL_BANKS="raw/banks.csv")
    assert "raw/external/big.md at HEAD (" in str(raised.value) and "over the limit of 5,000,000 for a bank" in str(raised.value)
    commit(repo, "gone registered", {"raw/banks.csv": registry + "gone,Gone,external/gone.md,x,MIT,numbered,,\n"})
    with pytest.raises(InputError) as raised:
        read_at("HEAD", repo, tmp_path / "area3", SOURCE="raw/appendix.txt", EXTERNAL_BANKS="raw/banks.csv")
    assert str(raised.value).startswith("raw/banks.csv at HEAD (") and ":3: bank 'gone' names the file 'external/gone.md'" in str(raised.value)  # fmt: skip


def test_a_link_the_build_reads_is_refused_and_one_it_does_not_read_is_ignored(tmp_path):
    repo = commit(tmp_path / "repo", "bank", {"raw/appendix.txt": APPENDIX})
    (repo / "raw/elsewhere").symlink_to("/etc/hostname")
    commit(repo, "a link nothing reads")
    inputs, _ = read_at("HEAD", repo, tmp_path / "area", SOURCE="raw/appendix.txt")
    assert Path(inputs["SOURCE"]).read_text(encoding="utf-8") == APPENDIX
    (repo / "raw/appendix.txt").unlink()
    (repo / "raw/appendix.txt").symlink_to("/etc/hostname")
    commit(repo, "the appendix as a link")
    with pytest.raises(InputError, match=r"holds a link \(raw/appendix.txt → /etc/hostname\)"):
        read_at("HEAD", repo, tmp_path / "area2", SOURCE="raw/appendix.txt")
    assert not list((tmp_path / "area2").rglob("*.tmp"))


def test_a_base_that_does_not_build_names_its_file_as_the_person_knows_it(tmp_path):
    from pipeline.flow import base

    long_line = "x" * (limits.LINE_MAX_CHARS + 1) + "\n"
    repo = commit(tmp_path / "repo", "broken", {"raw/appendix.txt": long_line + APPENDIX * 20})
    git(repo, "mv", "raw/appendix.txt", "raw/bank.txt")
    commit(repo, "renamed", {"raw/bank.txt": APPENDIX * 20})  # still alike enough for git to call it a rename
    version = versions.resolve("HEAD~1", repo)
    folder = tmp_path / "area" / version["tree"]
    with pytest.raises(InputError) as raised:
        base.build_at(version, folder, {"SOURCE": str(repo / "raw/bank.txt")}, "off", repo)
    said = str(raised.value)
    assert f"raw/bank.txt at HEAD~1 ({version['commit'][:10]}), named raw/appendix.txt there:1: the line is" in said, said
    assert str(folder / "raw") not in said.split(" (log: ")[0]
