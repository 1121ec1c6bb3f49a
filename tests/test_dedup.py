"""Duplicate scoring on tiny inline examples, and its evaluation on the labelled pairs."""

import collections
import math
import re

import pytest

from helpers import REAL_APPENDIX, run_cli
from pipeline import paths
from pipeline.errors import InputError
from pipeline.evaluation import dedup as evaluate
from pipeline.similarity.candidates import candidate_pairs
from pipeline.similarity.score import DEFAULT, score_pairs
from pipeline.similarity.signals import rare_overlap, shared_terms, terms

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


def test_a_repeat_outscores_a_template_look_alike_without_embeddings():
    texts = [
        "What is Multi-head Latent Attention (MLA) as used in DeepSeek V2? How does it compress the KV cache?",
        "What is Multi-head Latent Attention (MLA) in DeepSeek V2/V3?",
        "What is ZeRO / FSDP and how does it reduce memory?",
        "What is QLoRA and how does it reduce memory further?",
    ] + FILLER
    scores = scores_of(texts)
    repeat, look_alike = scores[(0, 1)], scores[(2, 3)]
    assert repeat["score"] >= DEFAULT.lexical_threshold > look_alike["score"]
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
    from pipeline.similarity.settings import Settings
    from pipeline.similarity.signals import vectorise

    texts = [f"question about topic{i} and subject{i * 7} with shared words" for i in range(30)]
    a, b = candidate_pairs(vectorise(texts), Settings(neighbours=3))
    assert (a < b).all()
    assert 0 < len(a) <= 30 * 3 < 30 * 29 // 2


def test_common_terms_make_no_candidates_but_still_score():
    from pipeline.similarity.score import score_columns
    from pipeline.similarity.settings import Settings
    from pipeline.similarity.signals import vectorise

    texts = ["alpha shared words here", "beta shared words here", "gamma other thing", "delta other thing"]
    strict = Settings(candidate_max_df=1)  # every term in two questions: none makes a candidate
    space = vectorise(texts, settings=strict)
    a, b = candidate_pairs(space, strict)
    assert len(a) == 0
    assert score_columns(space, [0], [1], strict)["word_score"][0] > 0.5


def test_vectorised_rare_score_matches_its_definition():
    import collections
    import math

    from pipeline.similarity.score import score_columns
    from pipeline.similarity.signals import vectorise

    texts = [
        "What is MLA in DeepSeek V2?",
        "MLA in DeepSeek V3: how?",
        "What is LoRA?",
        "What is QLoRA?",
        "Explain MLA.",
    ] + FILLER
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


BANK = {
    "pairs": {
        frozenset(("1", "2")): {"score": 0.9, "queued": True},
        frozenset(("3", "4")): {"score": 0.4, "queued": True},
        frozenset(("5", "6")): {"score": 0.55, "queued": True},
        frozenset(("7", "8")): {"score": 0.6, "queued": True},
    },
    "threshold": 0.5,
    "flagged": 3,
}


def test_set_metrics_count_flagged_queued_and_negatives():
    pairs = [("1", "2", True), ("3", "4", True), ("9", "10", True), ("5", "6", False), ("7", "8", None)]
    metrics = evaluate.set_metrics(pairs, BANK)
    assert (metrics["flagged"], metrics["queued"], metrics["positives"]) == (1, 2, 3)  # 9~10 is no candidate: score 0, not queued
    assert (metrics["precision"], metrics["recall"], metrics["queue_recall"]) == (0.5, 0.333, 0.667)
    assert (metrics["negatives_flagged"], metrics["negatives_flagged_pairs"], metrics["missed"]) == (1, ["5~6"], ["9~10"])


def test_calibration_bins_count_repeats():
    rows = evaluate.calibration([0.1, 0.65, 0.66, 0.9], [False, True, False, True], edges=(0.0, 0.5, 0.7, 1.01))
    assert [(r["pairs"], r["repeats"], r["share"]) for r in rows] == [(1, 0, 0.0), (2, 1, 0.5), (1, 1, 1.0)]


def test_bad_label_rows_name_their_line(tmp_path):
    path = tmp_path / "labels.csv"
    path.write_text("label_a,label_b,verdict,note\n1.1.1,1.1.2,duplicate,\n1.1.1,1.1.3,same,\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        evaluate.load_labels(path, {"1.1.1": "a", "1.1.2": "b", "1.1.3": "c"})
    assert str(caught.value) == f"{path}:3: verdict must be one of duplicate, related, distinct"


def _labelled(real_tables, path):
    """Return a labelled set; load_labels raises InputError if the bank's numbering moved under it."""
    return evaluate.load_labels(path, {q["label"]: q["text"] for q in real_tables["questions"]})


def test_the_lexical_fallback_on_the_labelled_sets(real_tables):
    """Embeddings off (banks above the embedding limit): the figures docs/dedup.md quotes for that mode."""
    bank = evaluate.bank_scores(real_tables["questions"], DEFAULT, None)
    development = evaluate.set_metrics(evaluate.labelled_pairs(_labelled(real_tables, paths.DEDUP_LABELS)), bank)
    held_out = evaluate.set_metrics(evaluate.labelled_pairs(_labelled(real_tables, paths.DEDUP_HOLDOUT)), bank)
    # bounds on quality, not today's print: an improvement passes (docs/dedup.md quotes 7 and 9 of 10, 0 and 1 of 7)
    assert development["flagged"] >= 7 and development["queued"] >= 9 and development["negatives_flagged"] == 0
    assert held_out["queued"] >= 1 and held_out["negatives_flagged"] == 0
    assert 5 <= bank["flagged"] <= 20  # the real bank's flagged pairs: a review an editor can finish, not a flood


def test_the_held_out_set_shares_no_pair_with_the_development_set(real_tables):
    development, held_out = (
        {frozenset((r["label_a"], r["label_b"])) for r in _labelled(real_tables, path)}
        for path in (paths.DEDUP_LABELS, paths.DEDUP_HOLDOUT)
    )
    assert not development & held_out
    assert len(held_out) == 43  # no pair labelled twice within the set


def test_eval_dedup_reports_every_set_in_both_modes():
    result = run_cli("eval-dedup", "--source", str(REAL_APPENDIX))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    heads = [line.split(":")[0] for line in lines if line.startswith("embeddings ")]
    assert heads == ["embeddings on (all-MiniLM-L6-v2 (int8 ONNX))", "embeddings off (lexical and subject signals only)"]
    sets = [
        re.sub(r"\(\d+ flagged", "(N flagged", line.split(":")[0].strip())
        for line in lines
        if line.startswith("  pipeline/evaluation/data/")
    ]
    labelled = ["dedup_labels.csv", "dedup_labels_holdout.csv"]
    rewritten = ["dedup_rewrites_dev.csv", "dedup_rewrites.csv", "dedup_frames.csv"]
    one_mode = [f"pipeline/evaluation/data/{name} [{version}]" for name in labelled for version in ("before", "now")] + [
        f"pipeline/evaluation/data/{name} [{version}] (N flagged in the rewritten bank)"
        for name in rewritten
        for version in ("before", "now")
    ]
    assert sets == one_mode * 2  # every set, the scorer before #36 and now, in both modes
    assert any(line.startswith("  5-fold cross-validated: precision") for line in lines)
    assert "calibration of the score" in result.stdout
