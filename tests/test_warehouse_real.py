"""Each report view on the real warehouse against the same figure computed independently in Python from Parquet."""

import collections
import re

import pandas as pd
import pytest

from helpers import REAL_APPENDIX, build_warehouse


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return build_warehouse(REAL_APPENDIX, tmp_path_factory.mktemp("real"))[0]


def view(built, name: str) -> pd.DataFrame:
    import duckdb

    connection = duckdb.connect(str(built / "questions.duckdb"), read_only=True)
    try:
        return connection.sql(f"select * from {name}").df()
    finally:
        connection.close()


def parquet(built, name: str) -> pd.DataFrame:
    return pd.read_parquet(built / f"{name}.parquet")


def test_chapter_papers_has_one_row_per_claimed_topic(built):
    claims = parquet(built, "ref_chapters")
    expected = sum(len(t.split(", ")) if isinstance(t, str) else 1 for t in claims["topic"])
    assert len(view(built, "rpt_chapter_papers")) == expected == 54


def test_chapter_coverage_against_python(built):
    questions, links, claims, refs = (parquet(built, n) for n in ("questions", "question_refs", "ref_chapters", "refs"))
    title = dict(zip(refs["ref_id"], refs["title"]))
    claimed = {(c, title[r]) for c, r in zip(claims["chapter_id"], claims["ref_id"])}
    chapter_of = dict(zip(questions["question_id"], questions["chapter_id"]))
    named = collections.Counter()
    for qid, rid in zip(links["question_id"], links["ref_id"]):
        named[(chapter_of[qid], title[rid])] += 1
    expected = {}
    for key in claimed | set(named):
        coverage = (
            "claimed and named"
            if key in claimed and key in named
            else ("claimed, never named" if key in claimed else "named, not claimed")
        )
        expected[key] = (coverage, named.get(key, 0))
    got = {(r.chapter_id, r.reference): (r.coverage, r.questions) for r in view(built, "rpt_chapter_coverage").itertuples()}
    assert got == expected
    assert collections.Counter(c for c, _ in got.values()) == {
        "claimed and named": 39,
        "claimed, never named": 14,
        "named, not claimed": 14,
    }


def test_chapters_without_claims_against_python(built):
    chapters, claims = parquet(built, "chapters"), parquet(built, "ref_chapters")
    expected = sorted(set(chapters["chapter_id"]) - set(claims["chapter_id"]))
    assert list(view(built, "rpt_chapters_without_claims")["chapter_id"]) == expected == [3, 8]


def test_unreferenced_terms_against_python(built):
    questions, aliases = parquet(built, "questions"), parquet(built, "ref_aliases")
    generic = {t.lower() for t in parquet(built, "generic_terms")["term"]}
    covered = {a.lower() for a in aliases["term"]} | {
        w for a in aliases["term"] for w in re.findall(r"[a-z0-9]+(?:-[a-z0-9]+)*", a.lower())
    }
    counts = collections.Counter()
    for text in questions["text"]:
        names = set(re.findall(r"[A-Za-z][A-Za-z0-9]*(?:-[a-z]*[A-Z0-9][A-Za-z0-9]*)*", text))
        counts.update(n for n in names if re.search(r"[A-Z].*[A-Z0-9]|[a-z][A-Z]", n) and n.lower() not in covered | generic)
    got = view(built, "rpt_unreferenced_terms")
    assert dict(zip(got["term"], got["questions"])) == dict(counts)
    assert (got["term"][0], got["questions"][0]) == ("SFT", 22)


def test_tag_mix_against_pandas(built):
    questions = parquet(built, "questions")
    by_chapter = questions.groupby(["chapter_id", "tag"]).size().to_dict()
    got = view(built, "rpt_tag_mix_chapter")
    assert dict(zip(zip(got["chapter_id"], got["tag"]), got["questions"])) == by_chapter
    by_section = questions.groupby(["section_id", "tag"]).size().to_dict()
    got = view(built, "rpt_tag_mix_section")
    assert dict(zip(zip(got["section_id"], got["tag"]), got["questions"])) == by_section


def test_tag_claims_against_pandas(built):
    tags, questions = parquet(built, "tags"), parquet(built, "questions")
    actual = questions["tag"].value_counts().to_dict()
    got = view(built, "rpt_tag_claims")
    assert {r.tag: (r.stated, r.actual) for r in got.itertuples()} == {
        t: (s, actual.get(t, 0)) for t, s in zip(tags["tag"], tags["stated_count"])
    }


def test_attribution_disagreements_against_python(built):
    from pipeline.claims import attribution_claims

    attributions = parquet(built, "attributions").astype(object).where(lambda f: f.notna(), None).to_dict("records")
    refs = parquet(built, "refs").astype(object).where(lambda f: f.notna(), None).to_dict("records")
    claims = attribution_claims(attributions, refs)
    unmatched = sorted(c["work"] for c in claims if not c["matched_ref_ids"])
    attributed = {rid for c in claims for rid in c["matched_ref_ids"]}
    never = sorted(r["title"] for r in refs if r["ref_id"] not in attributed)
    got = view(built, "rpt_attribution_disagreements")
    assert sorted(got.loc[got["disagreement"] == "attributed, no reference row", "subject"]) == unmatched
    assert sorted(got.loc[got["disagreement"] == "reference row, not attributed", "subject"]) == never
    assert (got["disagreement"] == "question bank size differs").sum() == 0
    assert len(unmatched) == 7 and len(never) == 18
