"""Property: a random bank rendered in any layout reads back to the same questions and sections, with its layout and with auto."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.external.markdown import read_bank

WORDS = ["model", "attention", "token", "cache", "gradient", "loss", "batch", "layer", "prompt", "retrieval", "agent", "latency"]
OPENERS = ["What is", "Why does", "How would you", "Explain", "Compare", "When should you"]

question = st.builds(
    lambda opener, words, emphasised: f"{opener} {' '.join(words)}" + (" _carefully_" if emphasised else "") + "?",
    st.sampled_from(OPENERS),
    st.lists(st.sampled_from(WORDS), min_size=1, max_size=6),
    st.booleans(),
)
section = st.builds(lambda words: " ".join(words).capitalize(), st.lists(st.sampled_from(WORDS), min_size=1, max_size=3))
bank = st.lists(st.tuples(section, st.lists(question, min_size=1, max_size=5)), min_size=1, max_size=4)


def render(layout: str, sections: list) -> str:
    """Return the bank as Markdown in `layout`, with answers, contents and noise a real bank has."""
    out = ["# A question bank", "", "Some words about it.", ""]
    if layout == "bold-bullets":
        out += ["## Contents", ""] + [f"- [{title}](#s{i})" for i, (title, _) in enumerate(sections)] + [""]
    for title, questions in sections:
        out += [f"## {title}", ""]
        if layout == "table":
            out += (
                ["| # | Question | Answer |", "|---|---|---|"]
                + [f"| Q{n} | {q} | An answer. |" for n, q in enumerate(questions, 1)]
                + [""]
            )
            continue
        for n, q in enumerate(questions, 1):
            out += {
                "numbered": [f"{n}. {q}", "   An answer, indented.", "   1. a numbered point of the answer", ""],
                "headings": [f"### {n}. {q}", "", "An answer.", ""],
                "details": ["<details>", f"<summary><b>{n}. {q}</b></summary>", "", "An answer.", "</details>", ""],
                "bold-paragraphs": [f"**{q}** 🟡", "", "1. An answer point.", "2. Another one.", ""],
                "bold-bullets": [f"- **{q}**", "  An answer.", ""],
                "bullets": [f"- {q}", "  An answer glued to it.", "  - a point of the answer", ""],
            }[layout]
    return "\n".join(out) + "\n"


def expected(sections: list) -> list[tuple[str, str]]:
    return [(title, q.replace("_carefully_", "carefully")) for title, questions in sections for q in questions]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    sections=bank,
    layout=st.sampled_from(["numbered", "headings", "table", "details", "bold-paragraphs", "bold-bullets", "bullets"]),
)
def test_a_random_bank_reads_back_in_its_layout_and_with_auto(sections, layout):
    text = render(layout, sections)
    level = 3 if layout == "headings" else None
    for asked in (layout, "auto"):
        rows, used, why, warnings, *_ = read_bank(text, asked, level)
        assert [(r["section"], r["text"]) for r in rows] == expected(sections), (asked, why)
        assert used == layout and warnings == []


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    first=bank,
    second=bank,
    layouts=st.sampled_from([("table", "numbered"), ("table", "bullets"), ("numbered", "bullets"), ("headings", "table")]),
)
def test_a_bank_in_two_parts_reads_whole_with_both_layouts_and_with_auto(first, second, layouts):
    """A table of questions, then lists of more ("asked at company X"): every part is read, in line order; a question
    the second part asks again is read once, where the first asked it (#46: a bank's questions are one set)."""
    from pipeline.external.auto import text_key

    text = render(layouts[0], first) + "\n" + "\n".join(render(layouts[1], second).splitlines()[4:]) + "\n"
    level = 3 if "headings" in layouts else None
    asked_first = {text_key(q) for _, q in expected(first)}
    again = [(title, q) for title, q in expected(second) if text_key(q) not in asked_first]
    for asked in ("+".join(layouts), "auto"):
        rows, used, why, warnings, *_ = read_bank(text, asked, level)
        assert [(r["section"], r["text"]) for r in rows] == expected(first) + again, (asked, why)
        assert used == ("+".join(layouts) if again else layouts[0]), why
