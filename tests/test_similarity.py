"""The similarity room shared by dedup and overlap: names (subjects), embeddings, the combined score, the queue."""

import numpy as np
import pytest

from pipeline import paths
from pipeline.dedup.tables import queue_ranks
from pipeline.errors import InputError
from pipeline.evaluation import dedup as evaluate
from pipeline.similarity import embed, subject
from pipeline.similarity.score import DEFAULT, score_pairs


@pytest.mark.parametrize(
    "text, names",
    [
        ("How does FlashAttention improve performance without changing the attention math?", {"flashattention"}),
        ("Compare LayerNorm and RMSNorm. Why do modern LLMs favor RMSNorm?", {"layernorm", "rmsnorm"}),  # LLMs: generic
        ("Explain the Chinchilla scaling laws.", {"chinchilla"}),  # a capital that does not open a sentence
        ("Why does word2vec need negative sampling?", {"word2vec"}),
        ("What does pass@k measure, and how is it different from pass@1?", {"pass@k", "pass@1"}),
        ("What is Multi-LoRA serving (the Bento pattern)?", {"multi-lora", "lora", "bento"}),  # a hyphenated name names its parts
        ("What is JSON/tool output?", {"json"}),
        ("Why is beam search bland? Because it is.", set()),  # sentence openers are not names
    ],
)
def test_names(text, names):
    assert subject.names(text) == names


@pytest.mark.parametrize(
    "a, b, agreement, conflict",
    [
        ({"flashattention"}, {"pagedattention"}, 0.0, 1.0),  # a swapped subject
        ({"mla"}, {"mla", "deepseek"}, 2 / 3, 0.0),  # detail added: no conflict
        ({"mla", "gqa"}, {"mla", "v3"}, 0.5, 0.5),
        (set(), {"mla"}, 0.0, 0.0),  # no names on one side: no evidence either way
    ],
)
def test_subject_scores(a, b, agreement, conflict):
    weights = {"flashattention": 1.0, "pagedattention": 1.0, "mla": 1.0, "deepseek": 1.0, "gqa": 1.0, "v3": 1.0}
    assert subject.subject_scores(frozenset(a), frozenset(b), weights) == (pytest.approx(agreement), pytest.approx(conflict))


def test_names_in_a_large_share_of_the_bank_mark_no_subject():
    bank = [frozenset({"kv"})] * 30 + [frozenset({"mla"})] + [frozenset()] * 69
    weights = subject.name_weights(bank)
    assert "mla" in weights and "kv" not in weights


def test_a_subject_swap_halves_the_score():
    texts = [
        "How does FlashAttention improve performance without changing the attention math?",
        "How does PagedAttention improve performance without changing the attention math?",
        "What is a learning rate schedule?",
        "How do you pick a batch size?",
    ]
    vectors = np.eye(4, dtype=np.float32)
    vectors[1] = vectors[0]  # identical embeddings: only the names tell them apart
    (pair,) = [r for r in score_pairs(texts, embeddings=vectors) if (r["a"], r["b"]) == (0, 1)]
    assert pair["subject_conflict"] == 1.0
    base = (1 - DEFAULT.lexical_share) * pair["semantic_score"] + DEFAULT.lexical_share * pair["lexical_score"]
    assert pair["score"] == pytest.approx(base * (1 - DEFAULT.conflict_penalty), abs=1e-3)
    assert pair["score"] < DEFAULT.threshold


def test_a_pair_in_one_section_loses_the_section_penalty():
    texts = ["What is MLA in DeepSeek V2?", "Explain MLA in DeepSeek V2.", "What is a learning rate?", "What is dropout?"]
    apart = {(r["a"], r["b"]): r for r in score_pairs(texts, sections=["1.1", "2.1", "3.1", "4.1"])}[(0, 1)]
    together = {(r["a"], r["b"]): r for r in score_pairs(texts, sections=["1.1", "1.1", "3.1", "4.1"])}[(0, 1)]
    assert together["score"] == pytest.approx(apart["score"] * (1 - DEFAULT.section_penalty), abs=1e-3)


@pytest.mark.parametrize(
    "over, undecided, band, ranks",
    [
        ([True, True, False, False, False], [True, True, True, True, True], 2, [1, 2, 3, 4, None]),
        ([True, True, False, False], [False, True, False, True], 1, [None, 1, None, 2]),  # decided pairs leave the queue
        ([False, False], [True, True], 0, [None, None]),
    ],
)
def test_queue_ranks(over, undecided, band, ranks):
    got = queue_ranks(np.array(over), np.array(undecided), band)
    assert [None if np.isnan(x) else int(x) for x in got] == ranks


def test_the_embedding_model_is_pinned_and_local():
    encode = embed.load_encoder()
    vectors = encode(
        [
            "Explain PagedAttention by analogy with virtual memory.",
            "What is PagedAttention? How is it like virtual memory?",
            "How do you evaluate retrieval quality?",
        ]
    )
    assert vectors.shape == (3, embed.DIMENSIONS)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > 0.8 > vectors[0] @ vectors[2]
    assert np.array_equal(encode(["How do you evaluate retrieval quality?"])[0], vectors[2])  # order and batch do not matter


def test_the_encoder_threads_sleep_instead_of_spinning_and_use_every_core():
    options = embed.session_options()
    assert options.get_session_config_entry("session.intra_op.allow_spinning") == "0"
    assert options.intra_op_num_threads == 0


def test_a_model_file_that_is_not_the_pinned_one_is_refused(monkeypatch):
    monkeypatch.setattr(embed, "MODEL_SHA256", "0" * 64)
    with pytest.raises(InputError, match="does not match its pinned sha256"):
        embed.model_path()


@pytest.mark.parametrize("mode, count, used", [("off", 10, False), ("auto", 10, True), ("auto", 11, False), ("on", 11, True)])
def test_embedding_modes(monkeypatch, mode, count, used):
    monkeypatch.setattr(embed, "load_encoder", lambda: lambda texts: np.zeros((len(texts), embed.DIMENSIONS)))
    monkeypatch.setattr(embed, "_SEEN", {})
    assert (embed.embeddings_for(["q"] * count, mode, max_questions=10) is not None) == used


def _counting_encoder(calls: list):
    def encode(texts):
        calls.append(list(texts))
        return np.array([np.full(embed.DIMENSIONS, len(t), dtype=np.float32) for t in texts])

    return lambda: encode


def test_embeddings_outlive_the_process_in_the_cache_folder_and_the_model_encodes_only_new_texts(monkeypatch, tmp_path):
    calls = []
    monkeypatch.setattr(embed, "load_encoder", _counting_encoder(calls))
    monkeypatch.setattr(embed, "_SEEN", {})
    monkeypatch.setenv(embed.CACHE_ENV, str(tmp_path))
    texts = ["What is LoRA?", "Why RAG?", "What is LoRA?", "Question 640?"]  # the last one's digest ends in a zero byte
    first, encoded = embed.encode(texts)
    assert encoded == 3
    calls[:] = [["What is LoRA?", "Why RAG?"]]
    monkeypatch.setattr(embed, "_SEEN", {})
    assert embed.encode(texts)[1] == 0  # every one of them read back from the cache
    encoded = 2
    assert encoded == 2 and calls == [["What is LoRA?", "Why RAG?"]] and first[0][0] == len("What is LoRA?")
    monkeypatch.setattr(embed, "_SEEN", {})  # another process: only the cache folder remains
    again, encoded = embed.encode(["Why RAG?", "What is DPO, exactly?"])
    assert encoded == 1 and calls[-1] == ["What is DPO, exactly?"] and np.array_equal(again[0], first[1])
    monkeypatch.setattr(embed, "_SEEN", {})
    monkeypatch.setattr(embed, "load_encoder", lambda: pytest.fail("the model was loaded for texts the cache holds"))
    assert embed.encode(["What is DPO, exactly?", "What is LoRA?"])[1] == 0


def test_a_damaged_cache_is_rebuilt_and_a_full_one_keeps_the_newest(monkeypatch, tmp_path):
    calls = []
    monkeypatch.setattr(embed, "load_encoder", _counting_encoder(calls))
    monkeypatch.setattr(embed, "_SEEN", {})
    monkeypatch.setenv(embed.CACHE_ENV, str(tmp_path))
    embed.cache_file(tmp_path).write_bytes(b"PK\x03\x04 not a zip at all")
    (tmp_path / ".embeddings-killed.npz").write_bytes(b"half")  # a writer killed before its rename
    assert embed.encode(["a", "b"])[1] == 2
    assert len(embed.read_cache(embed.cache_file(tmp_path))) == 2
    with open(embed.cache_file(tmp_path), "wb") as out:  # another layout: keys as raw bytes
        np.savez(out, keys=np.array([b"\xfc" * 16], dtype="S16"), vectors=np.ones((1, embed.DIMENSIONS), dtype=np.float32))
    assert embed.read_cache(embed.cache_file(tmp_path)) == {}
    embed.write_cache(embed.cache_file(tmp_path), {"y" * 32: np.ones(embed.DIMENSIONS, dtype=np.float32)})
    embed.write_cache(embed.cache_file(tmp_path), {"x" * 32: np.ones(embed.DIMENSIONS, dtype=np.float32)}, most=2)
    assert list(embed.read_cache(embed.cache_file(tmp_path))) == ["y" * 32, "x" * 32]
    embed.write_cache(embed.cache_file(tmp_path), {"z" * 32: np.ones(embed.DIMENSIONS, dtype=np.float32)}, most=2)
    assert list(embed.read_cache(embed.cache_file(tmp_path))) == ["x" * 32, "z" * 32]  # full: the oldest went
    assert not [
        p for p in tmp_path.iterdir() if p.name.startswith(".embeddings-")
    ]  # no temporary file left, the killed one's neither


def test_the_held_out_figures_in_the_default_install(real_tables):
    """The figures docs/dedup.md quotes for the default (embeddings on): held-out labels and the blind rewrites."""
    questions = real_tables["questions"]
    vectors = embed.embeddings_for([q["text"] for q in questions], "on", 0)
    bank = evaluate.bank_scores(questions, DEFAULT, vectors)
    by_label = {q["label"]: q["text"] for q in questions}
    held_out = evaluate.set_metrics(evaluate.labelled_pairs(evaluate.load_labels(paths.DEDUP_HOLDOUT, by_label)), bank)
    # bounds on quality (docs/dedup.md quotes what the scorer gives today): an improvement passes, a regression fails
    assert held_out["positives"] == 7 and held_out["queued"] >= 2 and held_out["negatives_flagged"] == 0
    rewrites = evaluate.load_rewrites(paths.DEDUP_REWRITES, set(by_label), {s["section_id"] for s in real_tables["sections"]})
    rewritten = evaluate.with_rewrites(real_tables, rewrites)["questions"]
    moved = evaluate.bank_scores(rewritten, DEFAULT, embed.embeddings_for([q["text"] for q in rewritten], "on", 0))
    pairs = evaluate.rewrite_pairs(rewrites, by_label, {q["text"]: q["label"] for q in rewritten})
    figures = evaluate.set_metrics(pairs, moved)
    assert figures["positives"] == 24 and figures["flagged"] >= 23 and figures["queued"] >= 23
    assert figures["negatives"] == 24 and figures["negatives_flagged"] <= 5  # 6 before #36's frames and weights
    frames = evaluate.load_rewrites(paths.DEDUP_FRAMES, set(by_label), {s["section_id"] for s in real_tables["sections"]})
    rewritten = evaluate.with_rewrites(real_tables, frames)["questions"]
    moved = evaluate.bank_scores(rewritten, DEFAULT, embed.embeddings_for([q["text"] for q in rewritten], "on", 0))
    figures = evaluate.set_metrics(evaluate.rewrite_pairs(frames, by_label, {q["text"]: q["label"] for q in rewritten}), moved)
    assert (figures["positives"], figures["negatives"]) == (12, 15)
    assert figures["queued"] >= 1 and figures["negatives_flagged"] <= 4  # docs/dedup.md: 1 of 12, 4 of 15


@pytest.mark.parametrize("path", [paths.DEDUP_REWRITES, paths.DEDUP_REWRITES_DEV, paths.DEDUP_FRAMES], ids=lambda p: p.name)
def test_the_rewrites_land_in_other_chapters(real_tables, path):
    by_label = {q["label"]: q["text"] for q in real_tables["questions"]}
    rewrites = evaluate.load_rewrites(path, set(by_label), {s["section_id"] for s in real_tables["sections"]})
    assert sum(r["kind"] == "paraphrase" for r in rewrites) >= 12 and sum(r["kind"] == "lookalike" for r in rewrites) >= 12
    assert all(r["of_label"].split(".")[0] != r["insert_into"].split(".")[0] for r in rewrites)
    rewritten = evaluate.with_rewrites(real_tables, rewrites)
    assert len(rewritten["questions"]) == len(real_tables["questions"]) + len(rewrites)
    assert rewritten["parse_issues"] == []


def test_the_sets_that_choose_and_the_sets_that_confirm_ask_about_different_questions(real_tables):
    """The development rewrites share no question with the sets that confirm (the blind rewrites, the frames set, the
    held-out labels): tuning on them cannot fit those."""
    by_label = {q["label"]: q["text"] for q in real_tables["questions"]}
    sections = {s["section_id"] for s in real_tables["sections"]}

    def asked(path):
        return {r["of_label"] for r in evaluate.load_rewrites(path, set(by_label), sections)}

    held_out = {r[key] for r in evaluate.load_labels(paths.DEDUP_HOLDOUT, by_label) for key in ("label_a", "label_b")}
    assert not asked(paths.DEDUP_REWRITES_DEV) & (asked(paths.DEDUP_REWRITES) | asked(paths.DEDUP_FRAMES) | held_out)


def test_the_combination_is_learned_only_from_enough_verdicts():
    from pipeline.dedup.tables import _learned
    from pipeline.similarity import learn

    rng = np.random.default_rng(0)
    n = 80
    semantic = np.concatenate([rng.uniform(0.6, 1.0, n // 2), rng.uniform(0.0, 0.5, n // 2)])
    scored = {
        "a": np.arange(n),
        "b": np.arange(n) + n,
        "semantic_score": semantic,
        "lexical_score": semantic / 2,
        "subject_agreement": np.zeros(n),
        "subject_conflict": np.zeros(n),
        "is_same_section": np.zeros(n),
        "score": semantic,
    }
    verdicts = np.array(["duplicate" if i < n // 2 else "distinct" for i in range(n)], dtype=object)
    few = verdicts.copy()
    few[learn.MIN_PER_CLASS - 1 : n - 5] = None  # fewer repeats decided than the model needs
    assert _learned(scored, few, 0.5) == (scored, 0.5, 0)  # fixed weights while labels are few
    learned, threshold, taught = _learned(scored, verdicts, 0.42)
    assert (threshold, taught) == (learn.THRESHOLD, n)
    assert (learned["score"][: n // 2] > 0.5).all() and (learned["score"][n // 2 :] < 0.5).all()


@pytest.mark.parametrize(
    "x, y, same",
    [
        ("flashattention", "flashattetnion", True),  # two letters swapped
        ("deepseek", "deepseeek", True),  # a letter doubled
        ("bakuso", "bkuso", True),  # a letter dropped
        ("flashattention", "pagedattention", False),  # another subject
        ("lora", "qlora", False),  # a prefix makes another name
        ("gpt-4", "gpt-3", False),  # versions differ
        ("mixtral", "mistral", False),  # a letter replaced is another name
        ("lora", "loras", False),  # too short to guess at
    ],
)
def test_misspelt_names_are_one_name(x, y, same):
    assert subject.is_misspelling(x, y) is same
    weights = {x: 1.0, y: 1.0}
    assert subject.subject_scores(frozenset({x}), frozenset({y}), weights)[1] == (0.0 if same else 1.0)


def test_vectorised_subject_scores_match_their_definition():
    from pipeline.similarity.signals import _subject_columns, vectorise

    texts = [
        "What is FlashAttention in vLLM?",
        "What is PagedAttention in vLLM?",
        "Explain MLA in DeepSeek V2.",
        "Explain MLA.",
        "How does FlashAttetnion work?",
        "Why use GQA or MQA?",
        "What is a learning rate?",
        "Compare GQA, MQA and MHA.",
    ]
    space = vectorise(texts)
    pairs = [(a, b) for a in range(len(texts)) for b in range(a + 1, len(texts))]
    agreement, conflict = _subject_columns(space, space, np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs]))
    expected = [subject.subject_scores(space.names[a], space.names[b], space.name_weights) for a, b in pairs]
    assert agreement == pytest.approx([e[0] for e in expected]) and conflict == pytest.approx([e[1] for e in expected])


def test_texts_projected_into_a_bank_space_weigh_and_score_as_the_bank_texts_do():
    from pipeline.similarity.score import score_columns
    from pipeline.similarity.signals import project, vectorise

    texts = [
        "What is FlashAttention in vLLM?",
        "What is PagedAttention in vLLM?",
        "Explain MLA in DeepSeek V2.",
        "Explain MLA.",
        "How does FlashAttetnion work?",
        "Why use GQA or MQA?",
        "What is a learning rate?",
        "Compare GQA, MQA and MHA.",
    ]
    space = vectorise(texts)
    asked = project(space, texts[:4])
    for name in ("words", "chars", "rare", "candidates"):
        assert np.allclose(getattr(asked, name).toarray(), getattr(space, name)[:4].toarray(), atol=1e-6), name
    a, b = np.array([1, 0, 5, 7, 2]), np.array([0, 1, 3, 2, 3])
    inside, projected = score_columns(space, a, b), score_columns(space, a, b, right=asked)
    for name in ("word_score", "char_score", "rare_score", "subject_agreement", "subject_conflict", "score"):
        assert np.allclose(inside[name], projected[name], atol=1e-4), name
    unseen = project(space, ["Explain ZeroBubble."])  # a name the bank never holds weighs as one held once
    assert unseen.name_weights["zerobubble"] == pytest.approx(np.log(len(texts)) + 1)
    assert score_columns(space, np.array([3]), np.array([0]), right=unseen)["subject_conflict"][0] == 1.0  # MLA / ZeroBubble


def test_a_cache_that_cannot_be_written_is_a_warning_not_a_failure(monkeypatch, tmp_path, capsys):
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder", encoding="utf-8")
    monkeypatch.setattr(embed, "load_encoder", _counting_encoder([]))
    monkeypatch.setattr(embed, "_SEEN", {})
    monkeypatch.setenv(embed.CACHE_ENV, str(blocked / "cache"))
    vectors, encoded = embed.encode(["What is LoRA?"])
    assert encoded == 1 and vectors.shape == (1, embed.DIMENSIONS)
    assert "warning: embeddings cache not written" in capsys.readouterr().err


def test_the_embed_step_reads_only_the_text_and_skips_a_bank_too_large_without_reading_it(monkeypatch, tmp_path):
    from dataclasses import replace

    from pipeline import io
    from pipeline.schema import table
    from pipeline.similarity import stage

    calls = []
    monkeypatch.setattr(embed, "load_encoder", _counting_encoder(calls))
    monkeypatch.setattr(embed, "_SEEN", {})
    monkeypatch.delenv(embed.CACHE_ENV, raising=False)
    rows = [{name: None for name in table("questions").column_names} for _ in range(3)]
    for i, row in enumerate(rows):
        row.update(
            question_id=f"q{i}",
            label=f"1.1.{i + 1}",
            chapter_id=1,
            section_id="1.1",
            position=i + 1,
            text=f"Question {i}?",
            source_line=i + 1,
        )
    io.write_table(rows, table("questions"), tmp_path)
    out = stage.run(tmp_path, "auto")
    assert (out["texts"], out["encoded"]) == (3, 3) and "3 encoded now" in stage.summary(out)
    monkeypatch.setattr(stage, "DEFAULT", replace(stage.DEFAULT, embed_max_questions=2))
    monkeypatch.setattr(io, "read_column", lambda *a: pytest.fail("a bank too large to embed was read"))
    out = stage.run(tmp_path, "auto")
    assert (
        out["texts"] == 0 and stage.summary(out) == "embed: no embeddings (auto embeds banks up to 2 questions; this one holds 3)"
    )
    assert stage.summary(stage.run(tmp_path, "off")) == "embed: no embeddings (off)"


@pytest.mark.parametrize(
    "row",
    [
        {"word_score": 0.4, "char_score": 0.6, "fuzz_score": 0.8, "rare_score": 0.5, "semantic_score": 0.9,
         "subject_agreement": 1.0, "subject_conflict": 0.0, "is_same_section": False},
        {"word_score": 0.4, "char_score": 0.6, "fuzz_score": 0.8, "rare_score": 0.5, "semantic_score": None,
         "subject_agreement": 0.0, "subject_conflict": 1.0, "is_same_section": True},
    ],
    ids=["with embeddings", "lexical, a conflict, one section"],
)  # fmt: skip
def test_the_score_steps_add_up_to_the_score_the_scorer_gives(row):
    """#37's waterfall: each step is a part of the score; together they are the score (within its 4-decimal rounding)."""
    from pipeline.similarity.score import score_steps

    w, s = DEFAULT.weights, DEFAULT
    lexical = w.word * row["word_score"] + w.char * row["char_score"] + w.fuzz * row["fuzz_score"] + w.rare * row["rare_score"]
    base = lexical if row["semantic_score"] is None else (1 - s.lexical_share) * row["semantic_score"] + s.lexical_share * lexical
    score = (base + s.agreement_for(row["semantic_score"] is not None) * row["subject_agreement"]) * (
        1 - s.conflict_penalty * row["subject_conflict"]
    )
    score *= 1 - s.section_penalty * row["is_same_section"]
    steps = score_steps({**row, "score": round(score, 4)})
    assert abs(sum(delta for _, delta in steps) - score) < 0.002 and "learned from verdicts" not in dict(steps)
    assert ("meaning" in dict(steps)) is (row["semantic_score"] is not None)
    assert all(delta <= 0 for name, delta in steps if name in ("names conflict", "same section"))
    moved = score_steps({**row, "score": round(score, 4) + 0.1})  # a learned score: what learning moved is a step
    assert dict(moved)["learned from verdicts"] == pytest.approx(0.1, abs=0.002)


def test_the_score_histogram_counts_what_a_threshold_would_flag_exactly():
    from pipeline.dedup.report import score_histogram

    scores = [0.0, 0.3, 0.4999, 0.5, 0.5, 0.51, 0.99, 1.0]
    undecided = [True, True, True, True, False, True, True, True]
    histogram = score_histogram(scores, undecided)
    at_least = lambda counts, t: sum(counts[round(t * histogram["bins"]) :])  # noqa: E731 - as the page counts
    assert len(histogram["all"]) == 100 and sum(histogram["all"]) == len(scores)
    assert [at_least(histogram["all"], t) for t in (0.0, 0.5, 0.51, 0.52, 0.99)] == [8, 5, 3, 2, 2]
    assert at_least(histogram["undecided"], 0.5) == sum(u for s, u in zip(scores, undecided) if s >= 0.5) == 4
