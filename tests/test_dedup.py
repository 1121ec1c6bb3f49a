"""Duplicate scoring on tiny inline examples, and its evaluation on the labelled pairs."""

import collections
import math

import pytest

from conftest import REAL_APPENDIX, run_cli
from pipeline import paths
from pipeline.dedup import evaluate
from pipeline.dedup.score import DEFAULT, candidate_pairs, rare_overlap, score_pairs, shared_terms, terms
from pipeline.errors import InputError

FILLER = [
    "How do you evaluate a retrieval system offline?",
    "What is the difference between latency and throughput?",
    "Design a customer support agent with human handoff.",
    "Why does beam search reduce diversity?",
    "How would you monitor a model in production?",
    "What is temperature in sampling?",
    # rare means rare *in the bank*: as in the real appendix, memory questions are common here
    "How does the KV cache use memory at long context?",
    "How do you reduce activation memory in training?",
    "Why does batch size change memory use?",
    "How can quantization reduce serving cost and memory?",
]


def scores_of(texts: list[str]) -> dict[tuple[int, int], dict]:
    return {(r["a"], r["b"]): r for r in score_pairs(texts)}


def test_a_repeat_outscores_a_template_look_alike():
    texts = [
        "What is Multi-head Latent Attention (MLA) as used in DeepSeek V2? How does it compress the KV cache?",
        "What is Multi-head Latent Attention (MLA) in DeepSeek V2/V3?",
        "What is ZeRO / FSDP and how does it reduce memory?",
        "What is QLoRA and how does it reduce memory further?",
    ] + FILLER
    scores = scores_of(texts)
    repeat, look_alike = scores[(0, 1)], scores[(2, 3)]
    assert repeat["score"] >= DEFAULT.threshold > look_alike["score"]
    assert look_alike["rare_score"] == 0.0  # they share only common words
    assert repeat["rare_score"] > 0.5


def test_rare_overlap_is_an_idf_weighted_dice():
    df = collections.Counter({"mla": 2, "deepseek": 2, "kv": 2, "memory": 9})
    idf = {t: math.log(10 / d) + 1 for t, d in df.items()}
    a, b = frozenset({"mla", "deepseek", "memory"}), frozenset({"mla", "kv", "memory"})
    expected = 2 * idf["mla"] / ((idf["mla"] + idf["deepseek"]) + (idf["mla"] + idf["kv"]))
    assert rare_overlap(a, b, idf, df, max_df=3) == pytest.approx(expected)
    assert rare_overlap(frozenset({"memory"}), b, idf, df, max_df=3) == 0.0


def test_candidates_are_top_k_neighbours_not_all_pairs():
    from pipeline.dedup.score import Settings, vectorise

    texts = [f"question about topic{i} and subject{i * 7} with shared words" for i in range(30)]
    a, b = candidate_pairs(vectorise(texts), Settings(neighbours=3))
    assert (a < b).all()
    assert 0 < len(a) <= 30 * 3 < 30 * 29 // 2


def test_common_terms_make_no_candidates_but_still_score():
    from pipeline.dedup.score import Settings, score_columns, vectorise

    texts = ["alpha shared words here", "beta shared words here", "gamma other thing", "delta other thing"]
    strict = Settings(candidate_max_df=1)  # every term in two questions: none makes a candidate
    space = vectorise(texts, settings=strict)
    a, b = candidate_pairs(space, strict)
    assert len(a) == 0
    assert score_columns(space, [0], [1], strict)["word_score"][0] > 0.5


def test_vectorised_rare_score_matches_its_definition():
    import collections
    import math

    from pipeline.dedup.score import score_columns, vectorise

    texts = ["What is MLA in DeepSeek V2?", "MLA in DeepSeek V3: how?", "What is LoRA?", "What is QLoRA?", "Explain MLA."] + FILLER
    space = vectorise(texts)
    sets = [terms(t) for t in texts]
    df = collections.Counter(t for s in sets for t in s)
    idf = {t: math.log(len(texts) / d) + 1 for t, d in df.items()}
    pairs = [(0, 1), (0, 4), (2, 3), (1, 4)]
    got = score_columns(space, [p[0] for p in pairs], [p[1] for p in pairs])["rare_score"]
    assert list(got) == pytest.approx([rare_overlap(sets[a], sets[b], idf, df, 3) for a, b in pairs], abs=1e-4)


def test_terms_and_shared_terms():
    assert terms("What is the KV-cache for GPT-2?") == {"kv-cache", "gpt-2"}
    assert shared_terms("Explain LoRA adapters.", "Why do LoRA adapters work?") == {"lora", "adapters"}


def test_fewer_than_two_questions_score_nothing():
    assert score_pairs(["only one"]) == []


LABELLED = [
    {"label_a": "1", "label_b": "2", "verdict": "duplicate"},
    {"label_a": "3", "label_b": "4", "verdict": "duplicate"},
    {"label_a": "5", "label_b": "6", "verdict": "distinct"},
    {"label_a": "7", "label_b": "8", "verdict": "related"},
]


@pytest.mark.parametrize(
    "threshold, precision, recall, missed, negatives",
    [(0.5, 1.0, 0.5, ["3~4"], []), (0.3, 0.667, 1.0, [], ["5~6"]), (0.95, 1.0, 0.0, ["1~2", "3~4"], [])],
)
def test_metrics_at(threshold, precision, recall, missed, negatives):
    scores = {frozenset(("1", "2")): 0.9, frozenset(("3", "4")): 0.4, frozenset(("5", "6")): 0.35, frozenset(("7", "8")): 0.6}
    metrics = evaluate.metrics_at(threshold, LABELLED, scores)
    assert (metrics["precision"], metrics["recall"], metrics["missed"], metrics["hard_negatives_flagged"]) == (precision, recall, missed, negatives)


def test_bad_label_rows_name_their_line(tmp_path):
    path = tmp_path / "labels.csv"
    path.write_text("label_a,label_b,verdict,note\n1.1.1,1.1.2,duplicate,\n1.1.1,1.1.3,same,\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        evaluate.load_labels(path, {"1.1.1": "a", "1.1.2": "b", "1.1.3": "c"})
    assert str(caught.value) == f"{path}:3: verdict must be one of duplicate, related, distinct"


def _labelled(real_tables, path):
    """Return a labelled set; load_labels raises InputError if the bank's numbering moved under it."""
    return evaluate.load_labels(path, {q["label"]: q["text"] for q in real_tables["questions"]})


def test_the_labelled_sets_on_the_real_bank(real_tables):
    """The figures the README quotes: every hard negative unflagged, MLA and MTP flagged, a short list.

    On the held-out set, labelled blind after the scorer was tuned, the lexical default finds no repeat.
    """
    questions = real_tables["questions"]
    labels = [q["label"] for q in questions]
    scores = evaluate.pair_scores(score_pairs([q["text"] for q in questions]), labels)
    development = evaluate.metrics_at(DEFAULT.threshold, _labelled(real_tables, paths.DEDUP_LABELS), scores)
    assert development["hard_negatives_flagged"] == []
    assert "1.3.14~5.1.4" not in development["missed"] and "1.7.12~5.1.5" not in development["missed"]
    assert (development["precision"], development["recall"], development["bank_flagged"]) == (1.0, 0.5, 10)
    held_out = evaluate.metrics_at(DEFAULT.threshold, _labelled(real_tables, paths.DEDUP_HOLDOUT), scores)
    assert (held_out["true_positives"], held_out["false_positives"], held_out["recall"]) == (0, 0, 0.0)


def test_the_held_out_set_shares_no_pair_with_the_development_set(real_tables):
    development, held_out = ({frozenset((r["label_a"], r["label_b"])) for r in _labelled(real_tables, path)}
                             for path in (paths.DEDUP_LABELS, paths.DEDUP_HOLDOUT))  # fmt: skip
    assert not development & held_out
    assert len(held_out) == 43  # no pair labelled twice within the set


def test_eval_dedup_reports_both_labelled_sets(tmp_path):
    assert run_cli("ingest", "--source", str(REAL_APPENDIX), "--warehouse", str(tmp_path)).returncode == 0
    result = run_cli("eval-dedup", "--warehouse", str(tmp_path))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "scoring: lexical"
    heads = [line for line in lines if line.startswith("labelled set ")]
    assert heads == ["labelled set tests/data/dedup_labels.csv: 10 duplicate, 11 related, 14 distinct (hard negatives)",
                     "labelled set tests/data/dedup_labels_holdout.csv: 7 duplicate, 20 related, 16 distinct (hard negatives)"]  # fmt: skip
    defaults = [line for line in lines if line.endswith("<- default")]
    assert [line.split()[0] for line in defaults] == ["0.40", "0.40"]
