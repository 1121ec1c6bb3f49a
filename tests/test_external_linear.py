"""The external-bank reader is linear in its input (#44: a bank could hang a build), and so is every pattern it uses.

How linearity is tested, and why this way. The house rule keeps speed targets in benchmarks (`make bench`), not in
timed tests, so no test here says "within N seconds". Each test reads one input and the same input four times over,
and asserts the work grows at most `GROWTH_BOUND` times: a linear reader grows about 4x, a quadratic one 16x, so the
bound sits between them with room for noise on either side.

- Where the work is Python's (a loop in our code, a generator joined at every line), it is **counted, not timed**:
  `sys.setprofile` counts every function call, Python and C, made while reading. The count is the same on every
  machine and every run, so these tests cannot flake on a busy CI host.
- Where the work is inside C, nothing can be counted from Python: a regex backtracking, a list slice copying the rest of
  the file. Those are **timed**, but only as a ratio of two sizes measured side by side in one test: runs of the two
  sizes interleaved, each as long as the other for a linear reader (the smaller input read eight times as often), so a
  busy machine slows both alike; the fastest of five compared (noise only adds time); see `time_growth`. The sizes are chosen so that the quadratic reader grew more than 10x (watched, each fix broken once
  on purpose), while the linear one takes a few hundredths of a second: a constant overhead only lowers the ratio.

The three inputs of the issue (32,000 one-letter lines, ten 2,000-character asterisk headings, 8,000 one-row tables)
are read whole once each, as a guard against a hang, not a speed target (the times measured are in docs/external.md).
"""

import sys
import time

import pytest

from pipeline.external.clean import (
    FOOTNOTE,
    INLINE_ANSWER,
    NUMBER_CELL,
    NUMBER_LABEL,
    QUESTION_LABEL,
    QUIZ_FORMAT,
    QUOTED_LEAD,
    QUOTED_WHOLE,
    SOURCE_TAIL,
    clean,
    gives_advice,
    is_signpost,
    lettered,
    looks_like_question,
    names_questions,
    numbered,
    section_name,
    split_difficulty,
    unlabelled,
)
from pipeline.external.layouts.admonitions import OPENING
from pipeline.external.layouts.follow_ups import QUESTION as FOLLOW_UP_QUESTION
from pipeline.external.layouts.follow_ups import QUOTED
from pipeline.external.markdown import PROSE_FENCE, TITLE_COUNT, read_bank

SIZE_RATIO = 4
GROWTH_BOUND = 8  # counted: linear about 4, quadratic about 16
TIMED_SIZE_RATIO = 8
TIMED_GROWTH_BOUND = 20  # timed: linear about 8, quadratic about 64; room for a busy machine on either side


def calls(function, *args) -> int:
    """Return how many function calls (Python and C) `function(*args)` makes."""
    count = 0

    def profile(frame, event, arg):
        nonlocal count
        count += event in ("call", "c_call")

    sys.setprofile(profile)
    try:
        function(*args)
    finally:
        sys.setprofile(None)
    return count


def call_growth(function, small, large) -> float:
    """Return how many times more calls `function` makes on `large` than on `small` (the first run, which imports and
    warms caches, is not counted)."""
    function(small)
    return calls(function, large) / calls(function, small)


def time_growth(function, small, large, size_ratio: int = TIMED_SIZE_RATIO, runs: int = 5, repeat: int = 1) -> float:
    """Return how many times longer one call of `function` takes on `large` than on `small` (`size_ratio` times
    smaller). A run calls it `repeat` times on `large` and `size_ratio` times as often on `small`, so that for a linear
    function both runs last as long and a busy machine interrupts both alike (a short run is interrupted less, which
    made a linear pattern look 28x at equal repeats while other jobs ran). The fastest of `runs` runs of each, the two
    sizes interleaved: a busy machine only ever adds time. The first call, which imports and warms caches, is not
    counted."""
    function(small)
    fastest = {}
    for _ in range(runs):
        for text, calls_per_run in ((small, repeat * size_ratio), (large, repeat)):
            start = time.perf_counter()
            for _ in range(calls_per_run):
                function(text)
            seconds = (time.perf_counter() - start) / calls_per_run
            fastest[id(text)] = min(seconds, fastest.get(id(text), seconds))
    return fastest[id(large)] / fastest[id(small)]


def read_auto(text: str):
    return read_bank(text, "auto")


def one_letter_lines(count: int) -> str:
    return "\n".join(["a"] * count)


def one_row_tables(count: int) -> str:
    return "\n\n".join(f"| Question |\n|---|\n| Why is {n} odd? |" for n in range(count))


def test_a_paragraph_of_many_lines_is_read_in_linear_work():
    """A paragraph was split into lines by joining its text from the start of the part at every line (issue item 9:
    16,000 lines took 25 s, 32,000 lines 110 s)."""
    growth = call_growth(read_auto, one_letter_lines(500), one_letter_lines(500 * SIZE_RATIO))
    assert growth < GROWTH_BOUND, growth


def test_a_paragraph_of_question_lines_and_of_glued_numbers_is_read_in_linear_work():
    """Each line of these starts a part of its own (after a `?`, or with its own number)."""
    for line in ("a?", "**{n}.** Why {n}?"):

        def bank(count, line=line):
            return "intro\n" + "\n".join(line.format(n=n) for n in range(count))

        growth = call_growth(read_auto, bank(500), bank(500 * SIZE_RATIO))
        assert growth < GROWTH_BOUND, (line, growth)


def test_a_line_of_many_html_tags_is_read_in_linear_work():
    """The tags of a line that give no text were parsed again from the first at every tag (2,000 `<b>` in a line took
    12 s to read)."""

    def bank(count):
        return "1. What is " + "<b>" * count + "?\n"

    growth = call_growth(read_auto, bank(100), bank(100 * SIZE_RATIO))
    assert growth < GROWTH_BOUND, growth


def test_many_tables_are_read_in_linear_time():
    """Each table's rows were read from a copy of the rest of the file's tokens (issue item 11: 8,000 one-row tables
    took 21 s). The copy is made in C, so this one is timed."""
    growth = time_growth(read_auto, one_row_tables(500), one_row_tables(500 * TIMED_SIZE_RATIO))
    assert growth < TIMED_GROWTH_BOUND, growth


# Each pattern that could backtrack, with the input that made it quadratic in its length (a run of the characters two
# of its quantifiers both match, ending where the match must fail). The patterns now start a run only where it starts
# (a lookbehind) and never give back what a possessive quantifier took.
PATTERN_ATTACKS = {
    "STRAY_MARKERS and TRAILING_SYMBOLS (issue item 10)": (clean, lambda n: "a" + "*" * n + "a"),
    "STRAY_MARKERS, underscores": (clean, lambda n: "a" + "_" * n + "a"),
    "TRAILING_SYMBOLS, emoji": (clean, lambda n: "a" + "\U0001f7e2" * n + "a"),
    "TRAILING_SYMBOLS, spaced stars": (clean, lambda n: "a" + " *" * (n // 2) + " a"),
    "TRAILING_DIFFICULTY and EMOJI_DIFFICULTY": (split_difficulty, lambda n: "a" + " " * n + "b"),
    "NUMBER": (numbered, lambda n: "1." + " " * n + "x\ny"),
    "NUMBER_LABEL": (NUMBER_LABEL.match, lambda n: "Q" + " " * n + "x"),
    "NUMBER_CELL": (NUMBER_CELL.match, lambda n: "Q" + " " * n + "x"),
    "SOURCE_TAIL": (SOURCE_TAIL.search, lambda n: "?(" + " " * n + "x"),
    "LABEL (#46)": (unlabelled, lambda n: "Q" + " " * n + "x"),
    "LABEL, outline numbers (#46)": (unlabelled, lambda n: "1.1" + " " * n + "x"),
    "ARROW_TAIL (#46)": (clean, lambda n: "?" + " " * n + "x"),
    "ARROW_TAIL, many marks (#46)": (clean, lambda n: "? " * (n // 2) + "-> x"),
    "INLINE_ANSWER (#46)": (INLINE_ANSWER.search, lambda n: " A" * (n // 2) + "x"),
    "FOOTNOTE (#46)": (lambda text: FOOTNOTE.sub("", text), lambda n: "[^" * (n // 2)),
    "LETTER_DIFFICULTY (#46)": (split_difficulty, lambda n: "x" + " \t" * (n // 2) + "[Z]"),
    "READING_LISTS (#46)": (section_name.__wrapped__, lambda n: "1." + " " * n + "x"),  # not the cache: the work
    "ADMONITION (#46)": (lambda text: OPENING.match(text), lambda n: "??? " + "a " * (n // 2) + "x"),
    "FOLLOW-UPS QUESTION (#46)": (lambda text: FOLLOW_UP_QUESTION.findall(text), lambda n: "a" * n),
    "FOLLOW-UPS QUOTED (#46)": (lambda text: QUOTED.match(text), lambda n: '"' + "a" * n),
    "POINTER_TAIL (#46)": (clean, lambda n: "?" + " " * n + "x"),
    "POINTER_TAIL, many marks (#46)": (clean, lambda n: "? " * (n // 2) + "— " + "a" * 40),
    "LEADING_PICTOGRAPHS (#46)": (clean, lambda n: "\U0001faa4 " * (n // 2) + "x"),
    "LABEL, a tag in brackets (#46)": (unlabelled, lambda n: "[" + "a" * n + "] x"),
    "LETTER_ENUM (#46)": (lettered, lambda n: "a." + " " * n + "\n"),
    "ABOUT_THE_DOCUMENT (#46)": (is_signpost, lambda n: "this " * (n // 5) + "x"),
    "CJK_ENDING and VI_QUESTION (#46)": (looks_like_question.__wrapped__, lambda n: "a " * (n // 2) + "(" + "b" * 70 + ")."),
    "POINTER_TAIL, tags (#46)": (clean, lambda n: "?" + " #a" * (n // 3) + " x"),
    "QUESTION_LABEL (#46)": (QUESTION_LABEL.match, lambda n: "Q" + " " * n + "x"),
    "NAMES_QUESTIONS (#46)": (names_questions, lambda n: "question" * (n // 8) + "x"),
    "GIVES_ADVICE (#46)": (gives_advice, lambda n: "tip" * (n // 3) + "x"),
    "QUOTED_WHOLE (#46)": (QUOTED_WHOLE.match, lambda n: '"' + "a" * n),
    "PROSE_FENCE (#46)": (lambda text: PROSE_FENCE.match(text), lambda n: "```" + " " * n + "x"),
    "QUOTED_LEAD (#46)": (QUOTED_LEAD.match, lambda n: '"' + "a" * n + '"' + " " * n),
    "QUIZ_FORMAT (#46)": (QUIZ_FORMAT.search, lambda n: "(y/n)" + " " * n + "x"),
    "a topic label (#46)": (unlabelled, lambda n: "a" * 30 + ":" + " " * n + "x"),
    "TITLE_COUNT, digits": (TITLE_COUNT.search, lambda n: "1" * n + "x"),
    "TITLE_COUNT, spaces": (TITLE_COUNT.search, lambda n: "1" + " " * n + "x"),
}


@pytest.mark.parametrize("name", PATTERN_ATTACKS)
def test_every_pattern_is_linear_in_its_input(name):
    """A regex backtracks in C, so this one is timed: 500 and 4,000 characters."""
    function, attack = PATTERN_ATTACKS[name]
    growth = time_growth(function, attack(500), attack(500 * TIMED_SIZE_RATIO), repeat=10)
    assert growth < TIMED_GROWTH_BOUND, growth


def asterisk_headings(count: int, width: int) -> str:
    return "\n\n".join("# a" + "*" * (width - 4) + "a" for _ in range(count))


def test_the_adversarial_banks_of_the_issue_are_read():
    """Guards against a hang (each took 25-160 s before; now about a second: docs/external.md), not a speed target."""
    assert read_auto(one_letter_lines(32_000)).rows == []
    assert read_auto(asterisk_headings(10, 2_000)).rows == []
    assert read_auto("\n\n".join("a" + "*" * 9_998 + "a" for _ in range(3))).rows == []
    assert len(read_auto(one_row_tables(8_000)).rows) == 8_000


def _trailing_tag(text: str):
    from pipeline.ingest.parse import trailing_tag

    return trailing_tag(text)


def _names(text: str):
    from pipeline.similarity.subject import names

    return names(text)


def _first_surname(text: str):
    from pipeline.claims import first_surname

    return first_surname(text)


def _bank_topic(text: str):
    from pipeline.claims import _is_same_bank

    return _is_same_bank({"title": "x"}, {"source": "s", "work": text})


LINEAR_ELSEWHERE = {  # #44: the patterns outside the bank reader, each attacked where it backtracked
    "ingest TRAILING_TAG": (_trailing_tag, lambda n: "[" * n + "]"),
    "claims first_surname": (_first_surname, lambda n: "a" + " " * n + "b"),
    "claims bank topic": (_bank_topic, lambda n: "a" + " " * n + "b"),
    "similarity subject names": (_names, lambda n: "Word, " * (n // 2)),
}


@pytest.mark.parametrize("name", LINEAR_ELSEWHERE)
def test_every_pattern_outside_the_reader_is_linear_too(name):
    function, attack = LINEAR_ELSEWHERE[name]
    growth = time_growth(function, attack(500), attack(500 * TIMED_SIZE_RATIO), repeat=10)
    assert growth < TIMED_GROWTH_BOUND, growth
