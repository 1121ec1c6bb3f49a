"""How the bank reader does on the corpus of real banks (pipeline/evaluation/data/corpus, #46), leave one repository
out: each bank is read by a reader fitted without the banks of its repository (the rule-based reader fits nothing, so
its held-out figures are its figures; a fitted reader passes `fit`). Pure but for `load`, which reads the corpus.

A question read matches a question of the truth when their texts agree once both are folded (`fold`: Unicode NFKC,
case, Markdown marks and spacing, the closing punctuation); each truth question is matched once. A bank is read
**right** when its precision and recall are both at least `RIGHT` (the issue's bar)."""

import csv
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pipeline import limits

RIGHT = 0.95  # a bank is read right when precision and recall are both at least this
READING_CONFIDENCE = limits.READING_CONFIDENCE
MARKS = re.compile(r"[*_`#>~]+|\\[\\[\\]()]")
SPACE = re.compile(r"\s+")
CLOSING = ".。:：;；!！"


@dataclass(frozen=True)
class Bank:
    bank_id: str
    repo: str
    language: str
    text: str
    truth: list[tuple[int, str]]  # (line, question)


QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "‘": "'", "’": "'"})


def fold(text: str) -> str:
    """Return `text` as questions are compared: NFKC, case-folded, without Markdown marks, spaces folded, without a
    closing full stop or colon, typographic quotes as straight ones (a truth may not hold `"`: `”` stands for it).
    Pure."""
    text = MARKS.sub("", unicodedata.normalize("NFKC", text).translate(QUOTES)).casefold()
    return SPACE.sub(" ", text).strip().rstrip(CLOSING).strip()


def load(folder: Path) -> list[Bank]:
    """Return every bank of the corpus folder, in the order of their ids."""
    banks = []
    for path in sorted(p for p in Path(folder).iterdir() if (p / "truth.tsv").exists()):
        meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
        with open(path / "truth.tsv", encoding="utf-8", newline="") as handle:
            rows = [(int(r["line"]), r["question"]) for r in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)]
        text = (path / "bank.md").read_text(encoding="utf-8")
        banks.append(Bank(path.name, meta["repo"], meta["language"], text, rows))
    return banks


def score(read: list[str], truth: list[str]) -> dict:
    """Return read, expected, hits, precision and recall of questions `read` against `truth` (texts, folded). Pure."""
    got, want = Counter(map(fold, read)), Counter(map(fold, truth))
    hits = sum((got & want).values())
    return {
        "read": len(read),
        "expected": len(truth),
        "hits": hits,
        "precision": hits / len(read) if read else 0.0,
        "recall": hits / len(truth) if truth else 0.0,
    }


def rule_reader(train: list[Bank]) -> Callable[[str], tuple[list[str], float]]:
    """The reader as the registry's `auto` runs it (the questions and the reading's confidence): nothing is fitted on
    `train`."""
    from pipeline.external.markdown import read_bank

    def read(text: str) -> tuple[list[str], float]:
        reading = read_bank(text, "auto")
        return [row["text"] for row in reading.rows], reading.confidence

    return read


def held_out(banks: list[Bank], fit: Callable[[list[Bank]], Callable] = rule_reader) -> list[dict]:
    """Return each bank's figures, read by a reader fitted on the banks of every other repository (a reader returns
    the questions, or the questions and its confidence)."""
    out = []
    for bank in banks:
        reader = fit([b for b in banks if b.repo != bank.repo])
        try:
            read, error = reader(bank.text), None
        except Exception as failure:  # noqa: BLE001 - a bank the reader refuses scores nothing, and says why
            read, error = [], f"{type(failure).__name__}: {failure}"
        read, sure = read if isinstance(read, tuple) else (read, None)
        figures = score(read, [q for _, q in bank.truth])
        out.append(
            {"bank": bank.bank_id, "repo": bank.repo, "language": bank.language, **figures, "confidence": sure, "error": error}
        )
    return out


def summary(rows: list[dict]) -> dict:
    """Return the macro means, the count of banks read right and the five worst banks (by the lower of the two)."""
    right = [r for r in rows if r["precision"] >= RIGHT and r["recall"] >= RIGHT]
    worst = sorted(rows, key=lambda r: (min(r["precision"], r["recall"]), r["bank"]))[:5]
    level = READING_CONFIDENCE
    warned = {r["bank"] for r in rows if r.get("confidence") is not None and r["confidence"] < level}
    wrong = {r["bank"] for r in rows} - {r["bank"] for r in right}
    return {
        "warned": len(warned),
        "warned_wrong": len(warned & wrong),
        "wrong": len(wrong),
        "banks": len(rows),
        "repositories": len({r["repo"] for r in rows}),
        "precision": sum(r["precision"] for r in rows) / len(rows) if rows else 0.0,
        "recall": sum(r["recall"] for r in rows) / len(rows) if rows else 0.0,
        "right": len(right),
        "worst": [r["bank"] for r in worst],
    }
