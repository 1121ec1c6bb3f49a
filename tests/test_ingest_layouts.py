"""Property: any appendix reads to the same tables in the PDF layout and the cleaned-up one."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.ingest.parse import collapse_whitespace, parse_appendix
from pipeline.ingest.render import render_appendix

LINE_FIELDS = {
    "source_line",
    "tag_line",
    "declared_line",
    "stated_line",
    "attribution_id",
}  # line numbers shift: the PDF layout has lone tag lines

words = (
    st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1, max_size=40)
    .map(collapse_whitespace)
    .filter(bool)
)
tags = st.from_regex(r"[a-z][a-z_-]{0,11}", fullmatch=True)


@st.composite
def appendices(draw) -> dict:
    """Return random tables shaped like the appendix: chapters, sections, tagged questions, totals, refs."""
    vocabulary = draw(st.lists(tags, min_size=1, max_size=6, unique=True))
    chapters, sections, questions = [], [], []
    for chapter_id in range(1, draw(st.integers(1, 4)) + 1):
        chapters.append({"chapter_id": chapter_id, "title": draw(words)})
        for number in range(1, draw(st.integers(1, 3)) + 1):
            section_id = f"{chapter_id}.{number}"
            sections.append({"section_id": section_id, "parent_chapter_id": chapter_id, "title": draw(words)})
            for position in range(1, draw(st.integers(1, 5)) + 1):
                text = draw(words.filter(lambda t: not t.startswith("[")))
                questions.append(
                    {"section_id": section_id, "position": position, "text": text, "tag": draw(st.sampled_from(vocabulary))}
                )
    tag_rows = [
        {
            "tag": tag,
            "is_declared": True,
            "declared_position": i,
            "stated_count": draw(st.integers(0, 500)),
            "is_approximate": draw(st.booleans()),
            "note": None,
        }
        for i, tag in enumerate(vocabulary, start=1)
    ]
    titles = draw(st.lists(words.filter(lambda t: "|" not in t), max_size=4, unique=True))
    refs = [
        {
            "category": "Papers",
            "title": title,
            "authors": "A et al.",
            "year": 2020,
            "link": None,
            "notes": None,
            "relevant_chapters": f"Ch {1 + i % len(chapters)} (Topic)",
        }
        for i, title in enumerate(titles)
    ]
    totals = [{"figure": "questions", "value": len(questions), "is_approximate": False}]
    return {
        "chapters": chapters,
        "sections": sections,
        "questions": questions,
        "tags": tag_rows,
        "stated_totals": totals,
        "refs": refs,
    }


def without_line_numbers(tables: dict) -> dict:
    return {name: [{k: v for k, v in row.items() if k not in LINE_FIELDS} for row in rows] for name, rows in tables.items()}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(appendices())
def test_both_layouts_read_to_the_same_tables(generated):
    pdf = parse_appendix(render_appendix(generated, "pdf"))
    clean = parse_appendix(render_appendix(generated, "clean"))
    assert without_line_numbers(pdf) == without_line_numbers(clean)
    assert pdf["parse_issues"] == []
    assert [(q["section_id"], q["position"], q["text"], q["tag"]) for q in pdf["questions"]] == [
        (q["section_id"], q["position"], q["text"], q["tag"]) for q in generated["questions"]
    ]
    assert [(s["section_id"], s["title"]) for s in pdf["sections"]] == [
        (s["section_id"], s["title"]) for s in generated["sections"]
    ]
    assert [(t["tag"], t["stated_count"], t["is_approximate"]) for t in pdf["tags"]] == [
        (t["tag"], t["stated_count"], t["is_approximate"]) for t in generated["tags"]
    ]
    assert [r["title"] for r in pdf["refs"]] == [r["title"] for r in generated["refs"]]


def test_the_real_appendix_reads_the_same_in_both_layouts(real_tables):
    for layout in ("pdf", "clean"):
        rendered = parse_appendix(render_appendix(real_tables, layout))
        for name in ("chapters", "sections", "questions", "tags", "refs", "ref_chapters"):
            assert without_line_numbers(rendered)[name] == without_line_numbers(real_tables)[name], (layout, name)
