"""#36: a bank's question frames are learned from the bank and carry no evidence of a repeat."""

from dataclasses import replace

import pytest

from pipeline.evaluation import dedup as evaluate
from pipeline.similarity import frames
from pipeline.similarity.score import DEFAULT, score_pairs

FRAMED = [
    "What is the difference between BPE and WordPiece?",
    "What is the difference between LoRA and QLoRA?",
    "What is the difference between DPO and PPO?",
    "What is the difference between greedy and beam search?",
    "What is the difference between MHA and GQA?",
    "How does FlashAttention reduce memory traffic?",
    "How does FlashAttention differ from PagedAttention?",
    "Compare vLLM and TGI — when would you choose each?",
    "Compare dense and sparse retrieval — when would you choose each?",
    "Compare RoPE and ALiBi — when would you choose each?",
    "Compare SFT and DPO — when would you choose each?",
]


def test_a_frame_opens_many_questions_with_many_words_after_it():
    learned = frames.learn(FRAMED, min_count=4, share=0.0)
    assert ("what", "is", "the", "difference", "between") in learned.openings
    assert ("compare",) in learned.openings and ("when", "would", "you", "choose", "each") in learned.openings
    assert ("how", "does", "flashattention") not in learned.openings  # two questions: a subject, not a frame


def test_an_opening_always_followed_by_one_word_is_a_subject_asked_again_not_a_frame():
    """Five questions open with "How does FlashAttention improve …": one subject, not a way of asking."""
    bank = [f"How does FlashAttention improve {what}?" for what in ("speed", "memory", "training", "decoding", "kernels")]
    learned = frames.learn(bank, min_count=4, share=0.0)
    assert ("how", "does", "flashattention") not in learned.openings
    assert ("how", "does", "flashattention", "improve") in learned.openings  # many words follow "improve"


def test_a_frame_needs_a_share_of_a_large_bank():
    assert frames.learn(FRAMED, min_count=4, share=0.5).openings == frozenset()  # 5 of 11 is under half


def test_six_shared_opening_words_that_go_on_are_a_subject_not_a_whole_clause():
    """LONGEST words are read of a clause: six shared words that the clauses go on after are no whole clause."""
    bank = [f"How does FlashAttention improve GPU memory {what}?" for what in ("traffic", "use", "reads", "writes")]
    learned = frames.learn(bank, min_count=4, share=0.0)
    assert ("how", "does", "flashattention", "improve", "gpu", "memory") not in learned.openings
    assert frames.learn(["What's the tradeoff?"] * 4, min_count=4, share=0.0).openings >= {("what's", "the", "tradeoff")}


def test_content_drops_the_longest_frame_of_each_clause_and_keeps_the_subject():
    learned = frames.learn(FRAMED, min_count=4, share=0.0)
    assert frames.content("What is the difference between RMSNorm and LayerNorm?", learned) == "RMSNorm and LayerNorm?"
    assert frames.content("Compare A100 and H100 — when would you choose each?", learned) == "A100 and H100 —?"
    assert frames.content("How does FlashAttention work?", learned) == "How does FlashAttention work?"
    assert frames.content("Compare.", learned) == "Compare."  # nothing left: the text itself
    assert frames.content("Anything at all?", frames.NONE) == "Anything at all?"


@pytest.mark.parametrize(
    "text, words",
    [
        ("What is BPE? Why not bytes?", [["what", "is", "bpe"], ["why", "not", "bytes"]]),
        ("Scenario: latency doubles", [["scenario"], ["latency", "doubles"]]),
        ("Tokens; bytes! words", [["tokens"], ["bytes"], ["words"]]),
        ("A — B – C - D", [["a"], ["b"], ["c"], ["d"]]),  # dashes, and a hyphen between spaces
        ("state-of-the-art v1.5 models. Next", [["state", "of", "the", "art", "v1", "5"], ["next"]]),  # no end inside
        ("One two three four five six seven", [["one", "two", "three", "four", "five", "six"]]),  # LONGEST words at most
        ("What’s the tradeoff?", [["what's", "the", "tradeoff"]]),
        ("?!:", []),  # clauses without words are not clauses
    ],
)
def test_each_clause_end_cuts_a_question_into_clauses(text, words):
    assert [[word for word, _ in clause] for _, clause in frames.clauses(text)] == words


def test_a_frame_after_a_colon_is_learned_and_cut():
    """Scenario banks ask "<a situation>: what would you check first?": the words after the colon are the frame."""
    bank = [f"{what}: what would you check first?" for what in ("Latency doubles", "Loss spikes", "Recall drops", "OOM at 8k")]
    learned = frames.learn(bank, min_count=4, share=0.0)
    assert ("what", "would", "you", "check", "first") in learned.openings
    assert frames.content("GPU idles: what would you check first?", learned) == "GPU idles:?"


def test_a_shared_frame_no_longer_lifts_the_lexical_score():
    """Two questions in one frame about other subjects: their word and token-set scores fall once the frame is
    dropped, and the repeat stands further above them. (Scoring the full texts, as before #36, fails the first assertion.)"""
    bank = FRAMED + ["What is the difference between a BPE tokenizer and a WordPiece tokenizer?"]
    index = {text: i for i, text in enumerate(bank)}
    look_alike = (index[FRAMED[1]], index[FRAMED[2]])  # LoRA/QLoRA against DPO/PPO: the frame alone is shared
    repeat = (index[FRAMED[0]], len(bank) - 1)
    pairs = [look_alike, repeat]
    settings = replace(DEFAULT, frame_share=0.0)

    def scores(chosen):
        rows = {(r["a"], r["b"]): r for r in score_pairs(bank, chosen, extra_pairs=pairs)}
        return [rows[p] for p in pairs]

    (before_alike, before_repeat), (now_alike, now_repeat) = scores(replace(settings, frames=False)), scores(settings)
    assert now_alike["fuzz_score"] < before_alike["fuzz_score"] - 0.3 and now_alike["word_score"] <= before_alike["word_score"]
    assert now_alike["lexical_score"] < before_alike["lexical_score"]
    gap_now = now_repeat["lexical_score"] - now_alike["lexical_score"]
    assert gap_now > before_repeat["lexical_score"] - before_alike["lexical_score"]  # the repeat stands further apart


ROW = {"share": 0.4, "agreement": 0.1, "threshold": 0.5, "repeats_flagged": 8, "paraphrases_queued": 7}


def test_the_rule_never_picks_a_setting_that_flags_a_hard_negative_or_floods_the_bank():
    rows = [
        {**ROW, "lookalikes_flagged": 0, "negatives_flagged": 1, "bank_flagged": 10, "repeats_flagged": 10},
        {**ROW, "lookalikes_flagged": 0, "negatives_flagged": 0, "bank_flagged": evaluate.BANK_FLAG_LIMIT + 1},
        {**ROW, "lookalikes_flagged": 3, "negatives_flagged": 0, "bank_flagged": 20, "threshold": 0.6},
    ]
    assert evaluate.choose(rows)["threshold"] == 0.6
    assert evaluate.choose(rows[:2]) is None


def test_the_rule_weighs_a_flagged_look_alike_against_repeats_found():
    cheap = {**ROW, "lookalikes_flagged": 1, "negatives_flagged": 0, "bank_flagged": 20, "threshold": 0.6}
    greedy = {**ROW, "lookalikes_flagged": 3, "negatives_flagged": 0, "bank_flagged": 25, "threshold": 0.5}
    greedy["repeats_flagged"] += 3  # 3 more found, 2 more look-alikes at twice the cost: 11 − 6 < 8 − 2 + 7 − 7
    assert evaluate.choose([greedy, cheap]) is cheap
    greedy["repeats_flagged"] += 2  # now worth it
    assert evaluate.choose([greedy, cheap]) is greedy


def test_figures_at_a_threshold_count_the_queue_as_the_pipeline_does():
    pairs = {frozenset((str(i), str(i + 100))): {"score": 0.2 + i / 100} for i in range(30)}  # 0.20 … 0.49
    labelled = [("29", "129", True), ("5", "105", True), ("28", "128", False)]
    got = evaluate.figures_at(pairs, labelled, 0.48, band=3)  # flagged: 0.48, 0.49; the band: 0.47, 0.46, 0.45
    assert (got["flagged"], got["queued"], got["negatives_flagged"], got["bank_flagged"]) == (1, 1, 1, 2)
    assert evaluate.figures_at(pairs, labelled, 0.5, band=30)["queued"] == 2


@pytest.mark.slow
def test_the_shipped_blend_is_the_rules_choice_on_the_development_sets(real_tables):
    """settings.py holds what `choose` picks on the development sets (the frozen appendix): change a weight by hand,
    or a development set, and this fails until the rule is run again (`python -m pipeline eval-dedup --choose`)."""
    from pipeline import paths
    from pipeline.similarity import embed

    questions = real_tables["questions"]
    by_label = {q["label"]: q["text"] for q in questions}
    index = {q["label"]: i for i, q in enumerate(questions)}
    development = evaluate.load_labels(paths.DEDUP_LABELS, by_label)
    extra = {tuple(sorted((index[r["label_a"]], index[r["label_b"]]))) for r in development}
    rewrites = evaluate.load_rewrites(paths.DEDUP_REWRITES_DEV, set(by_label), {s["section_id"] for s in real_tables["sections"]})
    rewritten = evaluate.with_rewrites(real_tables, rewrites)["questions"]
    pairs = evaluate.rewrite_pairs(rewrites, by_label, {q["text"]: q["label"] for q in rewritten})
    vectors = tuple(embed.embeddings_for([q["text"] for q in bank], "on", 0) for bank in (questions, rewritten))
    rows = evaluate.sweep((questions, extra), evaluate.labelled_pairs(development), rewritten, pairs, DEFAULT, vectors)
    chosen = evaluate.choose(rows)
    assert (chosen["share"], chosen["agreement"], chosen["threshold"]) == (
        DEFAULT.lexical_share,
        DEFAULT.agreement_weight,
        DEFAULT.threshold,
    )
    assert chosen["negatives_flagged"] == 0 and chosen["bank_flagged"] <= evaluate.BANK_FLAG_LIMIT


def test_docs_quote_the_shipped_blend():
    """docs/dedup.md's formula and threshold are settings.py's (a change of weights must change the docs)."""
    from pipeline import paths

    text = (paths.ROOT / "docs" / "dedup.md").read_text(encoding="utf-8")
    share = DEFAULT.lexical_share
    assert f"base  = {1 - share:g} · semantic + {share:g} · lexical" in text
    assert f"(embeddings off: base = lexical + {DEFAULT.lexical_agreement_weight:g} · agreement)" in text
    assert (
        f"**flagged** at score ≥ {DEFAULT.threshold:.2f}" in text and f"the threshold is {DEFAULT.lexical_threshold:.2f}" in text
    )
    assert f"at least max({DEFAULT.frame_min_count}, {DEFAULT.frame_share:.0%} of the bank) questions" in text
