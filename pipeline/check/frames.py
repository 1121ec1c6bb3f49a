"""The frames the expectation suites run on: the warehouse tables plus derived columns. Pure pandas.

GX compares; these functions only line up what it compares (a question's section's chapter beside
the question's own chapter, a stated count beside the actual one), so each failing row still carries
its `source_line`.
"""

import pandas as pd

from pipeline import paths
from pipeline.claims import attribution_claims, bank_count_claims
from pipeline.keys import text_fingerprint
from pipeline.models import query_model
from pipeline.schema import table

# Columns that identify an offending row in the summary, per frame (all carry source_line).
LOCATORS = {
    "questions": ["question_id", "source_line", "tag", "text"],
    "sections": ["section_id", "source_line", "title"],
    "chapters": ["chapter_id", "source_line", "title"],
    "tags": ["tag", "declared_line", "stated_line"],
    "refs": ["ref_id", "source_line", "title"],
    "ref_chapters": ["ref_id", "source_line", "chapter_id"],
    "parse_issues": ["source_line", "text", "reason"],
    "figure_claims": ["figure", "source_line", "stated", "actual"],
    "tag_claims": ["tag", "source_line", "stated", "actual", "deviation"],
    "attribution_claims": ["attribution_id", "source_line", "work"],
    "bank_claims": ["bank", "source_line", "attribution_count", "reference_count", "reference_line"],
    "external_bank_claims": ["bank_id", "source_line", "stated", "actual"],
    "external_questions": ["bank_id", "source_line", "section", "number", "text"],
    "flagged_duplicates": ["label_a", "label_b", "source_line", "score", "status"],
    "open_tag_suspects": ["label", "source_line", "tag", "suggested_tag", "suggested_probability"],
    "external_banks": [
        "bank_id",
        "source_line",
        "layout_used",
        "question_like_share",
        "warnings",
        "error",
        "title_count",
        "questions",
    ],
}
TAG_SUSPECT_CUTOFF = 0.8  # a suspect whose suggested tag the model gives at least this probability needs a verdict


def questions_frame(questions: pd.DataFrame, sections: pd.DataFrame) -> pd.DataFrame:
    """Return questions with their section's chapter and a case- and space-folded text key."""
    section_chapter = sections.drop_duplicates("section_id").set_index("section_id")["chapter_id"]
    return questions.assign(
        section_chapter_id=questions["section_id"].map(section_chapter).astype("Int64"),
        text_key=questions["text"].map(text_fingerprint),
    )


def sections_frame(sections: pd.DataFrame, questions: pd.DataFrame) -> pd.DataFrame:
    """Return sections with their question count and the step from the previous section number in the chapter."""
    counts = questions.groupby("section_id").size()
    previous = sections.groupby("parent_chapter_id")["section_number"].shift(fill_value=0)
    return sections.assign(
        question_count=sections["section_id"].map(counts).fillna(0).astype("int64"),
        number_step=sections["section_number"] - previous,
    )


def chapters_frame(chapters: pd.DataFrame) -> pd.DataFrame:
    """Return chapters with the step from the previous chapter number."""
    return chapters.assign(number_step=chapters["chapter_id"] - chapters["chapter_id"].shift(fill_value=0))


def figure_claims_frame(stated_totals: pd.DataFrame, questions: pd.DataFrame, chapters: pd.DataFrame) -> pd.DataFrame:
    """Return one row per stated figure (total questions, chapters) with the actual number beside it."""
    actual = {"questions": len(questions), "chapters": chapters["chapter_id"].nunique()}
    return pd.DataFrame(
        {
            "figure": stated_totals["figure"],
            "stated": stated_totals["value"],
            "actual": stated_totals["figure"].map(actual).astype("Int64"),
            "source_line": stated_totals["source_line"],
        }
    )


def refs_frame(refs: pd.DataFrame) -> pd.DataFrame:
    """Return the reference rows with a key of their table and folded title (a row printed twice shares it)."""
    return refs.assign(row_key=refs["category"].astype(str) + "\n" + refs["title"].astype(str).map(text_fingerprint))


def tag_claims_frame(claims: list[dict], tolerance: float) -> pd.DataFrame:
    """Return one row per tag with a stated count (from the model `int_tag_claims`, which the report reads too): actual
    count, relative deviation, and the deviation allowed.

    An approximate (`~`) count may deviate by `tolerance` (a fraction of the stated count); an exact one by 0.
    """
    stated = [row for row in claims if row["stated"] is not None]
    return pd.DataFrame(
        {
            "tag": pd.Series([row["tag"] for row in stated], dtype=object),
            "stated": pd.Series([row["stated"] for row in stated], dtype="int64"),
            "actual": pd.Series([row["actual"] for row in stated], dtype="int64"),
            "is_approximate": pd.Series([bool(row["is_approximate"]) for row in stated], dtype=bool),
            "deviation": pd.Series([row["deviation"] for row in stated], dtype="float64"),
            "allowed_deviation": pd.Series([tolerance if row["is_approximate"] else 0.0 for row in stated], dtype="float64"),
            "source_line": pd.Series([row["stated_line"] for row in stated], dtype="int64"),
        }
    )


def _records(frame: pd.DataFrame) -> list[dict]:
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


def attribution_claims_frame(attributions: pd.DataFrame, refs: pd.DataFrame) -> pd.DataFrame:
    """Return one row per work named in Sources & Attribution, with how many reference rows stand for it."""
    rows = attribution_claims(_records(attributions), _records(refs))
    return pd.DataFrame(rows, columns=["attribution_id", "category", "source", "work", "matched_refs", "source_line"])


def bank_claims_frame(attributions: pd.DataFrame, refs: pd.DataFrame) -> pd.DataFrame:
    """Return one row per question bank whose size both Sources & Attribution and a reference row state."""
    rows = bank_count_claims(_records(attributions), _records(refs))
    columns = ["bank", "attribution_count", "reference_count", "source_line", "reference_line"]
    return pd.DataFrame(rows, columns=columns).astype({"reference_count": "Int64", "reference_line": "Int64"})


def external_bank_claims_frame(banks: pd.DataFrame) -> pd.DataFrame:
    """Return one row per external bank whose size the appendix states: stated against the questions in its file."""
    stated = banks[banks["stated_count"].notna()]
    return pd.DataFrame(
        {
            "bank_id": stated["bank_id"],
            "stated": stated["stated_count"].astype("int64"),
            "actual": stated["questions"].astype("int64"),
            "source_line": stated["stated_line"].astype("int64"),
        }
    ).reset_index(drop=True)


def external_banks_frame(banks: pd.DataFrame) -> pd.DataFrame:
    """Return the banks with their registry line, and `title_count_off`: the title's stated count where it differs from
    what was read (null where the title states none or agrees)."""
    stated = banks["title_count"] if "title_count" in banks else pd.Series([None] * len(banks), index=banks.index)
    off = stated.where(stated.notna() & (stated != banks["questions"]))
    return banks.assign(source_line=banks["registry_line"], title_count_off=off)


def flagged_duplicates_frame(pairs: pd.DataFrame, questions: pd.DataFrame) -> pd.DataFrame:
    """Return the flagged duplicate pairs (confirmed or not), the earlier question first, with its line."""
    flagged = pairs[pairs["is_flagged"].astype(bool)]
    lines = questions.drop_duplicates("question_id").set_index("question_id")["source_line"]  # a broken key fails its own check
    line_a, line_b = flagged["question_id_a"].map(lines), flagged["question_id_b"].map(lines)
    a_first = line_a <= line_b
    return (
        pd.DataFrame(
            {
                "label_a": flagged["label_a"].where(a_first, flagged["label_b"]),
                "label_b": flagged["label_b"].where(a_first, flagged["label_a"]),
                "source_line": line_a.where(a_first, line_b).astype("Int64"),
                "score": flagged["score"],
                "status": flagged["status"],
            }
        )
        .sort_values("source_line")
        .reset_index(drop=True)
    )


def open_tag_suspects_frame(suspects: pd.DataFrame, questions: pd.DataFrame) -> pd.DataFrame:
    """Return the undecided tag suspects whose suggested tag is at least TAG_SUSPECT_CUTOFF likely, with their lines."""
    open_ = suspects[
        suspects["is_suspect"].astype(bool)
        & suspects["verdict"].isna()
        & (suspects["suggested_probability"] >= TAG_SUSPECT_CUTOFF)
    ]
    lines = questions.drop_duplicates("question_id").set_index("question_id")["source_line"]
    return (
        pd.DataFrame(
            {
                "label": open_["label"],
                "source_line": open_["question_id"].map(lines).astype("Int64"),
                "tag": open_["tag"],
                "suggested_tag": open_["suggested_tag"],
                "suggested_probability": open_["suggested_probability"],
            }
        )
        .sort_values("source_line")
        .reset_index(drop=True)
    )


def check_frames(tables: dict[str, pd.DataFrame], tolerance: float) -> dict[str, pd.DataFrame]:
    """Return every frame a suite runs on, keyed by the frame name its expectations name.

    The external-bank and dedup tables are optional: without them (a run on the appendix alone) their frames are empty.
    """
    questions, sections = tables["questions"], tables["sections"]
    banks, external, pairs, suspects = (
        tables.get(name, pd.DataFrame(columns=table(name).column_names))
        for name in ("external_banks", "external_questions", "duplicate_pairs", "tag_suspects")
    )
    return {
        "flagged_duplicates": flagged_duplicates_frame(pairs, questions),
        "open_tag_suspects": open_tag_suspects_frame(suspects, questions),
        "external_bank_claims": external_bank_claims_frame(banks),
        "external_banks": external_banks_frame(banks),
        "external_questions": external,
        "questions": questions_frame(questions, sections),
        "sections": sections_frame(sections, questions),
        "chapters": chapters_frame(tables["chapters"]),
        "tags": tables["tags"],
        "refs": refs_frame(tables["refs"]),
        "ref_chapters": tables["ref_chapters"],
        "parse_issues": tables["parse_issues"],
        "figure_claims": figure_claims_frame(tables["stated_totals"], questions, tables["chapters"]),
        "tag_claims": tag_claims_frame(query_model(tables, "int_tag_claims", paths.SQL), tolerance),
        "attribution_claims": attribution_claims_frame(tables["attributions"], tables["refs"]),
        "bank_claims": bank_claims_frame(tables["attributions"], tables["refs"]),
    }


def suite_parameters(tables: dict[str, pd.DataFrame]) -> dict:
    """Return the values suites take from the appendix itself (its declared tag vocabulary, its chapters)."""
    tags = tables["tags"]
    return {
        "declared_tags": sorted(tags.loc[tags["is_declared"].astype(bool), "tag"]),
        "chapter_ids": sorted(int(c) for c in tables["chapters"]["chapter_id"]),
    }
