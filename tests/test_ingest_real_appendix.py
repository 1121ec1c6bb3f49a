"""The real appendix: every question a row with the right tag and section, nothing left unplaced.

The counts per section were taken with awk from the raw file (lines starting `- ` or `[tag] - `
between section headings), not from the parser; the pinned tags were read off the lines that
follow each question.
"""

import collections

import pytest

COUNTS_PER_SECTION = {
    "1.1": 14,
    "1.2": 12,
    "1.3": 15,
    "1.4": 10,
    "1.5": 8,
    "1.6": 11,
    "1.7": 12,
    "2.1": 11,
    "2.2": 5,
    "2.3": 12,
    "2.4": 7,
    "2.5": 5,
    "3.1": 5,
    "3.2": 5,
    "3.3": 5,
    "3.4": 3,
    "3.5": 2,
    "3.6": 2,
    "4.1": 11,
    "4.2": 10,
    "4.3": 13,
    "4.4": 7,
    "4.5": 9,
    "4.6": 6,
    "4.7": 5,
    "5.1": 11,
    "5.2": 15,
    "6.1": 7,
    "6.2": 8,
    "6.3": 7,
    "6.4": 4,
    "6.5": 5,
    "6.6": 8,
    "6.7": 4,
    "6.8": 4,
    "6.9": 6,
    "7.1": 6,
    "7.2": 7,
    "7.3": 7,
    "7.4": 13,
    "7.5": 6,
    "7.6": 7,
    "7.7": 5,
    "7.8": 3,
    "7.9": 7,
    "8.1": 5,
    "8.2": 8,
    "8.3": 4,
    "8.4": 6,
}


def test_every_question_is_a_row_and_nothing_is_unplaced(real_tables):
    assert len(real_tables["questions"]) == 368
    assert sum(COUNTS_PER_SECTION.values()) == 368
    assert real_tables["parse_issues"] == []
    assert len(real_tables["chapters"]) == 8
    assert len(real_tables["sections"]) == 49


def test_count_per_section(real_tables):
    assert dict(collections.Counter(q["section_id"] for q in real_tables["questions"])) == COUNTS_PER_SECTION


@pytest.mark.parametrize(
    "label, tag, starts_with, source_line",
    [
        ("1.1.1", "conceptual", "Why do modern LLMs use subword", 12),
        ("1.1.2", "tradeoff", "Compare BPE, WordPiece", 13),
        ("1.1.3", "conceptual", "What is byte-level BPE", 14),
        ("1.1.14", "debug", "A model that handles code well", 25),
        ("1.3.14", "conceptual", "What is Multi-head Latent Attention (MLA)", 55),
        ("3.5.1", "conceptual", "Compare the “three topologies”", 186),
        ("3.5.2", "conceptual", "What is the difference between CPT, SFT, DPO", 187),
        ("4.3.13", "debug", None, 232),
        ("6.9.1", "conceptual", None, 365),
        ("6.9.6", "tradeoff", None, 370),
        ("8.4.1", "tradeoff", "How does tokenizer choice in pretraining", 477),
        ("8.4.6", "design", "You’re evaluating three competing LLMs", 482),
    ],
)
def test_pinned_questions(real_tables, label, tag, starts_with, source_line):
    (question,) = [q for q in real_tables["questions"] if q["label"] == label]
    assert (question["tag"], question["source_line"], question["tag_line"]) == (tag, source_line, source_line + 1)
    if starts_with:
        assert question["text"].startswith(starts_with)


def test_tag_counts_as_read(real_tables):
    counts = collections.Counter(q["tag"] for q in real_tables["questions"])
    assert counts == {"conceptual": 170, "design": 73, "tradeoff": 69, "debug": 44, "estimation": 12}


def test_stated_figures(real_tables):
    assert {(t["figure"], t["value"], t["source_line"]) for t in real_tables["stated_totals"]} == {
        ("questions", 368, 484),
        ("chapters", 8, 8),
    }
    stated = {t["tag"]: (t["stated_count"], t["is_approximate"], t["declared_position"]) for t in real_tables["tags"]}
    assert stated == {
        "conceptual": (150, True, 1),
        "tradeoff": (85, True, 2),
        "design": (70, True, 3),
        "debug": (45, True, 4),
        "coding": (5, True, 5),
        "estimation": (15, True, 6),
    }
    (coding,) = [t for t in real_tables["tags"] if t["tag"] == "coding"]
    assert coding["note"] == "referenced in chapter code files"


def test_reference_tables(real_tables):
    per_category = collections.Counter(r["category"] for r in real_tables["refs"])
    assert per_category == {
        "Foundational Papers": 7,
        "Scaling & Pretraining": 6,
        "Post-Training & Alignment": 8,
        "Architecture & Models": 7,
        "Inference & Compression": 7,
        "Applications & Agents": 5,
        "Interview Resources & Question Banks": 11,
    }
    banks = {r["title"].split(" — ")[1]: r["question_count"] for r in real_tables["refs"] if r["question_count"]}
    assert banks == {
        "LLMs Interview Questions (59 Qs)": 59,
        "ChatGPT Interview Questions (42 Qs)": 42,
        "NLP Interview Questions (38 Qs)": 38,
        "60 Common GenAI Interview Qs": 60,
    }
    attention = [c for c in real_tables["ref_chapters"] if c["source_line"] == 495]
    assert [(c["chapter_id"], c["topic"]) for c in attention] == [(1, "Attention, Architecture")]
    assert len(real_tables["ref_chapters"]) == 53


def test_attributions(real_tables):
    rows = real_tables["attributions"]
    assert collections.Counter(r["category"] for r in rows) == {
        "Academic & Research Papers": 19,
        "Interview Platforms & Question Banks": 4,
        "Community Forums & Reports": 4,
        "Industry Guides & Blogs": 9,
        "Book Chapters (this handbook)": 1,
    }
    banks = {r["work"]: r["question_count"] for r in rows if r["question_count"]}
    assert banks == {
        "LLMs Interview Questions": 59,
        "ChatGPT Interview Questions": 42,
        "NLP Interview Questions": 38,
        "Common GenAI Interview Questions": 60,
    }
