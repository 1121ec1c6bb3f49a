"""The tag audit: out-of-fold probabilities, cleanlab's suspects, the editors' verdicts, the check, the experiment."""

import numpy as np
import pytest

from helpers import REAL_APPENDIX, run_cli, stage_cli, work_area
from pipeline.errors import InputError
from pipeline.tags import model, stage
from pipeline.tags.decisions import HEADER, apply_decisions, parse_tag_decisions

SYSTEMS = [
    "chat assistant",
    "search engine",
    "fraud detector",
    "recommendation feed",
    "translation service",
    "code reviewer",
    "voice agent",
    "document parser",
    "ad ranker",
    "ticket router",
    "data labeller",
    "news summariser",
]
TOPICS = [
    "dropout",
    "attention",
    "tokenization",
    "beam search",
    "layer normalization",
    "residual connections",
    "quantization",
    "embeddings",
    "positional encoding",
    "the KV cache",
    "mixture of experts",
    "speculative decoding",
]


def bank() -> list[dict]:
    """Return a small bank: design questions, conceptual questions, tradeoff questions; one design question tagged conceptual."""
    rows = []
    for i, system in enumerate(SYSTEMS):
        rows.append(
            ("design", f"Design a {system} that serves a million users: which components, which data flow, which failure modes?")
        )
        rows.append(("conceptual", f"What is {TOPICS[i]} and why does it matter in a transformer?"))
        rows.append(
            (
                "tradeoff",
                f"Compare {TOPICS[i]} with {TOPICS[(i + 1) % len(TOPICS)]}: when would you choose each, and what does it cost?",
            )
        )
    rows.append(
        (
            "conceptual",
            "Design a moderation pipeline that serves a million users: which components, which data flow, which failure modes?",
        )
    )
    return [
        {
            "question_id": f"q{i:03d}",
            "label": f"1.1.{i + 1}",
            "tag": tag,
            "text": text,
            "section_id": "1.1",
            "source_line": i + 10,
        }
        for i, (tag, text) in enumerate(rows)
    ]


def test_a_question_tagged_against_its_wording_is_ranked_first():
    questions = bank()
    classes, probabilities, rows = stage.audit(questions)
    first = next(r for r in rows if r["suspect_rank"] == 1)
    assert (first["label"], first["tag"], first["suggested_tag"]) == (questions[-1]["label"], "conceptual", "design")
    assert first["is_suspect"] and first["tag_probability"] < 0.5 < first["suggested_probability"]
    assert len(rows) == len(questions) and classes == ["conceptual", "design", "tradeoff"]
    assert np.allclose(probabilities.sum(axis=1), 1.0)


def reference_probabilities(texts, tags, embeddings, train_max):
    """Out-of-fold probabilities as scikit-learn computes them: vectorisers and LogisticRegression fitted per fold."""
    from scipy.sparse import csr_matrix, hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    classes = sorted(set(tags))
    y = np.array([classes.index(t) for t in tags])
    out = np.zeros((len(texts), len(classes)))
    splitter = StratifiedKFold(n_splits=min(model.FOLDS, int(np.bincount(y).min())), shuffle=True, random_state=model.SEED)
    for train, test in splitter.split(np.zeros(len(y)), y):
        train = model._sample(train, y, train_max, model.SEED)
        words = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1, lowercase=True)
        chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2, lowercase=True)

        def features(rows, fit=False, vectorisers=(words, chars)):
            chosen = [texts[i] for i in rows]
            parts = [v.fit_transform(chosen) if fit else v.transform(chosen) for v in vectorisers]
            return hstack(parts + ([csr_matrix(embeddings[rows])] if embeddings is not None else [])).tocsr()

        fitted = LogisticRegression(C=model.C, max_iter=5000, class_weight="balanced").fit(features(train, True), y[train])
        out[test] = fitted.predict_proba(features(test))
    return out


@pytest.mark.parametrize("with_embeddings", [False, True])
@pytest.mark.parametrize("train_max", [model.TRAIN_MAX, 20])
@pytest.mark.parametrize("tags_kept", [("conceptual", "design", "tradeoff"), ("conceptual", "tradeoff")])
def test_the_audit_gives_scikit_learns_probabilities(with_embeddings, train_max, tags_kept, monkeypatch):
    """Counting once and the dense block change the cost, not the result: the probabilities of per-fold
    TfidfVectorizers and LogisticRegression, also when folds learn from a sample (test rows counted apart) and with
    two tags (scikit-learn then fits a binomial model, not a multinomial one)."""
    questions = [q for q in bank() if q["tag"] in tags_kept]
    texts, tags = [q["text"] for q in questions], [q["tag"] for q in questions]
    vectors = np.random.default_rng(0).normal(size=(len(texts), 8)).astype(np.float32) if with_embeddings else None
    monkeypatch.setattr(model, "TRAIN_MAX", train_max)
    classes, probabilities = model.out_of_fold_probabilities(texts, tags, vectors)
    assert classes == list(tags_kept)
    assert np.allclose(probabilities, reference_probabilities(texts, tags, vectors, train_max), atol=1e-7, rtol=0)


def test_folds_fitted_side_by_side_give_the_sequential_result(monkeypatch):
    questions = bank()
    texts, tags = [q["text"] for q in questions], [q["tag"] for q in questions]
    monkeypatch.setattr(model, "workers", lambda: 1)
    alone = model.out_of_fold_probabilities(texts, tags)[1]
    monkeypatch.setattr(model, "workers", lambda: 3)
    assert np.array_equal(model.out_of_fold_probabilities(texts, tags)[1], alone)


def test_the_audit_is_deterministic():
    assert stage.audit(bank())[2] == stage.audit(bank())[2]


def given_tag_probability(texts: list[str], tags: list[str]) -> float:
    """Return the mean probability the audit gives each question's own tag."""
    classes, probabilities = model.out_of_fold_probabilities(texts, tags)
    return float(np.mean([probabilities[i, classes.index(t)] for i, t in enumerate(tags)]))


def test_out_of_fold_means_a_question_never_scores_itself(monkeypatch):
    """Questions of words no other question uses, tagged at random: nothing but a question itself can vouch for its
    tag, so out of fold its own tag gets about the chance of a tag (1/3); a model that saw it would give it more."""
    import random

    import sklearn.model_selection

    draw = random.Random(5)
    texts = [" ".join("".join(draw.choice("bdfgklmnprstvz") for _ in range(7)) for _ in range(4)) for _ in range(90)]
    tags = [("design", "conceptual", "tradeoff")[i % 3] for i in range(90)]
    draw.shuffle(tags)
    assert given_tag_probability(texts, tags) < 0.40

    class InSample(sklearn.model_selection.StratifiedKFold):  # the rule broken: every fold learns from every question
        def split(self, x, y=None, groups=None):
            for _, test in super().split(x, y, groups):
                yield np.arange(len(y)), test

    monkeypatch.setattr(sklearn.model_selection, "StratifiedKFold", InSample)
    assert given_tag_probability(texts, tags) > 0.40  # so the bound above can tell the two apart


def test_a_kept_tag_is_no_longer_a_suspect_and_a_retag_is_an_edit_to_make():
    rows = [
        {"question_id": "a", "is_suspect": True, "suspect_rank": 1},
        {"question_id": "b", "is_suspect": True, "suspect_rank": 2},
        {"question_id": "c", "is_suspect": True, "suspect_rank": 3},
        {"question_id": "d", "is_suspect": False, "suspect_rank": None},
    ]
    decisions = [
        {"question_id": "a", "verdict": "keep", "is_stale": False},
        {"question_id": "b", "verdict": "retag:design", "is_stale": False},
        {"question_id": "c", "verdict": "keep", "is_stale": True},
    ]
    out = {r["question_id"]: r for r in apply_decisions(rows, decisions)}
    assert (out["a"]["is_suspect"], out["a"]["suspect_rank"], out["a"]["verdict"]) == (False, None, "keep")
    assert (out["b"]["is_suspect"], out["b"]["suspect_rank"], out["b"]["verdict"]) == (True, 1, "retag:design")  # ranks close up
    assert (out["c"]["is_suspect"], out["c"]["suspect_rank"], out["c"]["verdict"]) == (
        True,
        2,
        None,
    )  # a stale verdict is not applied


@pytest.mark.parametrize(
    "body, line, message",
    [
        (
            "q1,1.1.1,maybe,ana,2026-11-01,\n",
            2,
            "verdict 'maybe' is not keep or retag:<tag> with a declared tag (conceptual, design)",
        ),
        (
            "q1,1.1.1,retag:trivia,ana,2026-11-01,\n",
            2,
            "verdict 'retag:trivia' is not keep or retag:<tag> with a declared tag (conceptual, design)",
        ),
        ("q1,1.1.1,keep,,2026-11-01,\n", 2, "reviewer is empty"),
        ("q1,1.1.1,keep,ana,1/11/2026,\n", 2, "date '1/11/2026' is not YYYY-MM-DD"),
        (",1.1.1,keep,ana,2026-11-01,\n", 2, "question_id is empty"),
        (
            "q1,1.1.1,keep,ana,2026-11-01,\nq1,1.1.1,retag:design,bo,2026-11-02,\n",
            3,
            "this question was already decided on line 2",
        ),
        ("q1,1.1.2,keep,ana,2026-11-01,\n", 2, "label '1.1.2' is not the label of question q1 (1.1.1): which question is meant?"),
        ("1.1.2,,keep,ana,2026-11-01,\n", 2, "question_id '1.1.2' is a label, not an id: its id is q2"),
        ("q1,1.1.1,keep,a\x00na,2026-11-01,\n", 2, "control character U+0000 in reviewer"),
        (
            'q1,1.1.1,keep,ana,2026-11-01,"open\nq2,1.1.2,keep,ana,2026-11-01,closed"\n',
            2,
            "a quoted field runs from line 2 to line 3: a quote opened and never closed? (a cell holds one line)",
        ),
    ],
)
def test_bad_tag_decisions_name_their_line(body, line, message):
    with pytest.raises(InputError) as caught:
        parse_tag_decisions(HEADER + body, {"q1": "1.1.1", "q2": "1.1.2"}, {"conceptual", "design"})
    assert (caught.value.line, caught.value.message) == (line, message)


def test_a_verdict_on_an_edited_question_is_stale():
    (row,) = parse_tag_decisions(HEADER + "qgone,1.1.1,keep,ana,2026-11-01,old text\n", {"q1": "1.1.1"}, {"design"})
    assert row["is_stale"] and row["source_line"] == 2


def test_the_stage_honours_verdicts_and_the_check_lists_undecided_suspects(tmp_path):
    import pyarrow.parquet as pq

    decisions = tmp_path / "tags.csv"
    decisions.write_text(HEADER, encoding="utf-8")
    built = stage_cli("check", REAL_APPENDIX, tmp_path, TAG_DECISIONS=decisions)
    assert built.returncode == 0, built.stderr
    warehouse, reports = work_area(tmp_path)
    rows = pq.ParquetFile(warehouse / "tag_suspects.parquet").read().to_pylist()
    first = next(r for r in rows if r["suspect_rank"] == 1)
    check = ("gate", "--reports", str(reports), "--strict")
    before = run_cli(*check)
    assert "WARNING  tag_suspects/tag-suspects-decided" in before.stdout
    decisions.write_text(
        HEADER
        + f"{first['question_id']},{first['label']},keep,ana,2026-11-20,the wording is fine\n"
        + "".join(
            f"{r['question_id']},{r['label']},retag:{r['suggested_tag']},ana,2026-11-20,\n"
            for r in rows
            if r["is_suspect"] and r["suspect_rank"] > 1
        ),
        encoding="utf-8",
    )
    assert stage_cli("check", REAL_APPENDIX, tmp_path, TAG_DECISIONS=decisions).returncode == 0
    after = {r["question_id"]: r for r in pq.ParquetFile(warehouse / "tag_suspects.parquet").read().to_pylist()}
    assert not after[first["question_id"]]["is_suspect"] and after[first["question_id"]]["verdict"] == "keep"
    assert "tag-suspects-decided" not in run_cli(*check).stdout
    page = (reports / "tag_audit.html").read_text(encoding="utf-8")
    assert "Edits to make in the appendix" in page and "<table class=confusion>" in page
    markdown = (reports / "tag_audit.md").read_text(encoding="utf-8")
    confusion = [line for line in markdown.splitlines() if line.startswith("| conceptual |")]
    assert len(confusion) == 2  # counts per tag, and the confusion matrix row, which sums to the questions tagged conceptual
    cells = [int(x) for x in confusion[1].strip("| ").split(" | ")[1:]]
    assert (
        sum(cells[:-1]) == cells[-1] == sum(r["tag"] == "conceptual" and r["suggested_tag"] is not None for r in after.values())
    )
    assert "| conceptual | ~150 | 170 |" in markdown  # stated, as tagged
    assert all(
        r["tag"] == next(q for q in rows if q["question_id"] == r["question_id"])["tag"] for r in after.values()
    )  # no tag is changed


def test_flipping_changes_exactly_the_chosen_tags():
    tags = ["a", "b", "c"] * 20
    changed, chosen = model.flipped(tags, ["a", "b", "c"], 15, seed=3)
    assert len(chosen) == 15 and all(changed[i] != tags[i] for i in chosen)
    assert sum(x != y for x, y in zip(changed, tags)) == 15
    quality = np.linspace(0, 1, len(tags))  # question i is the i-th least likely
    assert model.found_in_top(quality, [0, 1, 20, 40], tops=(2, 30)) == {2: 2, 30: 3}


@pytest.mark.slow
def test_eval_tags_reports_the_figures_docs_quote():
    result = run_cli("eval-tags", "--source", str(REAL_APPENDIX))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    import re

    # bounds on quality (docs/tags.md quotes 0.780, 0.765 and 11.7 of 15): an improvement passes, a regression fails
    head = re.fullmatch(r"embeddings on: out-of-fold accuracy ([\d.]+), macro-F1 ([\d.]+) \(368 tagged questions\)", lines[0])
    assert head and float(head[1]) >= 0.76 and float(head[2]) >= 0.74, lines[0]
    top = [re.fullmatch(r"    top 30: mean ([\d.]+) of 15 .*", line) for line in lines]
    assert [float(m[1]) for m in top if m][0] >= 11.0, result.stdout


def test_a_tag_on_one_question_is_not_audited_and_nothing_fails():
    questions = bank()[:6] + [
        {
            "question_id": "q999",
            "label": "1.1.99",
            "tag": "estimation",
            "text": "How many GPUs for 70B?",
            "section_id": "1.1",
            "source_line": 99,
        }
    ]
    classes, _, rows = stage.audit(questions)
    lonely = next(r for r in rows if r["question_id"] == "q999")
    assert "estimation" not in classes and (lonely["suggested_tag"], lonely["tag_probability"], lonely["is_suspect"]) == (
        None,
        None,
        False,
    )
    assert stage.audit(questions[:1])[2][0]["suggested_tag"] is None  # one tag only: nothing to learn, nothing fails


def test_a_large_fold_learns_from_a_stratified_sample_that_keeps_every_tag():
    import numpy as np

    from pipeline.tags.model import _sample

    y = np.array([0] * 9_000 + [1] * 990 + [2] * 10)
    train = np.arange(len(y))
    assert _sample(train, y, 20_000, 0) is train  # small enough: every question
    kept = _sample(train, y, 1_000, 0)
    counts = np.bincount(y[kept], minlength=3)
    assert abs(len(kept) - 1_000) <= 3 and counts[0] == 900 and counts[1] == 99 and counts[2] == 2
    assert len(set(kept.tolist())) == len(kept) and list(kept) == sorted(kept)


def test_the_confusion_matrix_is_a_table_with_its_totals():
    from pipeline.tags.report import confusion, confusion_rows

    rows = [
        {"tag": "design", "suggested_tag": "design"},
        {"tag": "design", "suggested_tag": "debug"},
        {"tag": "debug", "suggested_tag": "debug"},
        {"tag": "debug", "suggested_tag": None},
    ]
    assert confusion_rows(confusion(rows, ["debug", "design"]), ["debug", "design"]) == [["debug", 1, 0, 1], ["design", 1, 1, 2]]


def test_a_reworded_suspect_carries_the_verdict_its_old_wording_had():
    """#43 item 5: a reworded question came back as a new suspect with no sign of its earlier keep, and the old row
    stayed in raw/tag_decisions.csv unseen. The verdict of the old id under the same label is offered, with its id."""
    from pipeline.tags.report import review_data

    questions = [
        {"question_id": "qnew", "label": "1.1.2", "text": "What is a join, reworded?", "source_line": 4, "tag_line": None, "section_id": "1.1"},
        {"question_id": "qother", "label": "1.1.3", "text": "Why index?", "source_line": 5, "tag_line": None, "section_id": "1.1"},
    ]  # fmt: skip
    queue = [{"question_id": q, "label": label, "tag": "design", "suggested_tag": "conceptual", "tag_probability": 0.1,
              "suggested_probability": 0.9} for q, label in (("qnew", "1.1.2"), ("qother", "1.1.3"))]  # fmt: skip
    decisions = [
        {"question_id": "qold", "label": "1.1.2", "verdict": "keep", "reviewer": "ana", "decided_on": "2026-12-01",
         "note": "fine", "is_stale": True},
        {"question_id": "qgone", "label": "9.9.9", "verdict": "keep", "reviewer": "ana", "decided_on": "2026-12-01",
         "note": None, "is_stale": True},
    ]  # fmt: skip
    tags = [{"tag": "design", "is_declared": True, "declared_position": 1}]
    items = {item["question_id"]: item for item in review_data(questions, [], queue, decisions, tags)["queue"]}
    assert items["qnew"]["earlier"] == {
        "question_id": "qold",
        "verdict": "keep",
        "reviewer": "ana",
        "date": "2026-12-01",
        "note": "fine",
    }
    assert items["qother"]["earlier"] is None
