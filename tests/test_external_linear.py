"""The external-bank reader is linear in its input (#44: a bank could hang a build), and so is every pattern it uses.

How linearity is tested, and why this way. The house rule keeps speed targets in benchmarks (`make bench`), not in
timed tests, so no test here says "within N seconds". Each test reads one input and the same input four times over,
and asserts the work grows at most `GROWTH_BOUND` times: a linear reader grows about 4x, a quadratic one 16x, so the
bound sits between them with room for noise on either side.

- Where the work is Python's (a loop in our code, a generator joined at every line), it is **counted, not timed**:
  `sys.setprofile` counts every function call, Python and C, made while reading. The count is the same on every
  machine and every run, so these tests cannot flake on a busy CI host.
- Where the work is inside C, nothing can be counted from Python: a regex backtracking, a list slice copying the rest of
  the file. Those are **timed**, but only as a ratio of two sizes measured side by side in one test: each size is read
  three times, the runs of the two sizes interleaved (so a slow moment of a shared machine falls on both), and the
  medians compared. The sizes are chosen so that the quadratic reader grew more than 10x (watched, each fix broken once
  on purpose), while the linear one takes a few hundredths of a second: a constant overhead only lowers the ratio.

The three inputs of the issue (32,000 one-letter lines, ten 2,000-character asterisk headings, 8,000 one-row tables)
are read whole once each, as a guard against a hang, not a speed target (the times measured are in docs/external.md).
"""

import statistics
import sys
import time

from pipeline.external.markdown import read_bank

SIZE_RATIO = 4
GROWTH_BOUND = 8  # linear: about 4; quadratic: about 16


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


def time_growth(function, small, large, runs: int = 3) -> float:
    """Return how many times longer `function` takes on `large` than on `small`: medians of `runs` runs each, the two
    sizes interleaved (the first run of each, which imports and warms caches, is not counted)."""
    function(small)
    timings = {id(small): [], id(large): []}
    for _ in range(runs):
        for text in (small, large):
            start = time.perf_counter()
            function(text)
            timings[id(text)].append(time.perf_counter() - start)
    return statistics.median(timings[id(large)]) / statistics.median(timings[id(small)])


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


def test_many_tables_are_read_in_linear_time():
    """Each table's rows were read from a copy of the rest of the file's tokens (issue item 11: 8,000 one-row tables
    took 21 s). The copy is made in C, so this one is timed."""
    growth = time_growth(read_auto, one_row_tables(1000), one_row_tables(1000 * SIZE_RATIO))
    assert growth < GROWTH_BOUND, growth


def test_the_adversarial_banks_of_the_issue_are_read():
    """Guards against a hang (each took 25-160 s before; now about a second: docs/external.md), not a speed target."""
    assert read_auto(one_letter_lines(32_000)).rows == []
    assert len(read_auto(one_row_tables(8_000)).rows) == 8_000
