"""The optional semantic signal: blend arithmetic (always), the real model (when the extra is installed)."""

import subprocess
import sys

import numpy as np
import pytest

from conftest import REAL_APPENDIX, ROOT
from pipeline import paths
from pipeline.dedup import semantic
from pipeline.dedup.score import SEMANTIC, score_pairs
from pipeline.errors import InputError

TEXTS = ["alpha beta gamma", "delta epsilon zeta", "eta theta iota", "kappa lambda mu"]


def test_embeddings_blend_into_the_score_and_bring_their_own_candidates():
    embeddings = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.6, 0.8]])  # 0 and 1 mean the same thing
    rows = {(r["a"], r["b"]): r for r in score_pairs(TEXTS, SEMANTIC, embeddings=embeddings)}
    same = rows[(0, 1)]
    assert same["semantic_score"] == pytest.approx(1.0)
    assert same["score"] == pytest.approx(0.7 * 1.0 + 0.3 * same["lexical_score"], abs=1e-4)
    assert rows[(0, 2)]["semantic_score"] == pytest.approx(0.0)


def test_without_embeddings_the_score_is_the_lexical_score():
    for row in score_pairs(TEXTS):
        assert row["semantic_score"] is None and row["score"] == row["lexical_score"]


def test_a_missing_extra_is_one_clear_error(monkeypatch):
    monkeypatch.setattr(semantic, "is_installed", lambda: False)
    with pytest.raises(InputError, match="the semantic extra is not installed: run `make venv-semantic`"):
        semantic.load_encoder()


def test_the_lexical_default_never_imports_torch(tmp_path):
    code = (
        "import sys; from pathlib import Path; from pipeline.ingest import stage as i; from pipeline.dedup import stage as d;"
        f"w = Path({str(tmp_path)!r}); i.run(Path({str(REAL_APPENDIX)!r}), w);"
        f"(w / 'd.csv').write_text('question_id_a,question_id_b,verdict,reviewer,date,note\\n');"
        "d.run(w, w / 'd.csv', w / 'reports'); print(sorted(m for m in ('torch', 'sentence_transformers') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


@pytest.mark.skipif(not semantic.is_installed(), reason="the semantic extra is not installed (make venv-semantic)")
def test_the_real_model_separates_a_paraphrased_repeat_from_a_look_alike():
    encode = semantic.load_encoder()
    texts = [
        "How does FlashAttention improve performance without changing the attention math?",
        "How does FlashAttention reduce HBM traffic?",
        "What is ZeRO / FSDP and how does it reduce memory?",
        "What is QLoRA and how does it reduce memory further?",
    ]
    vectors = encode(texts)
    assert vectors.shape == (4, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert float(vectors[0] @ vectors[1]) > float(vectors[2] @ vectors[3])


@pytest.mark.skipif(not semantic.is_installed(), reason="the semantic extra is not installed (make venv-semantic)")
def test_semantic_figures_on_the_labelled_set(real_tables):
    """The figures the README quotes for SEMANTIC=1."""
    from pipeline.dedup import evaluate

    questions = real_tables["questions"]
    labels, texts = [q["label"] for q in questions], [q["text"] for q in questions]
    labelled = evaluate.load_labels(paths.DEDUP_LABELS, dict(zip(labels, texts)))
    scores = evaluate.pair_scores(score_pairs(texts, SEMANTIC, embeddings=semantic.load_encoder()(texts)), labels)
    metrics = evaluate.metrics_at(SEMANTIC.threshold, labelled, scores)
    assert (metrics["precision"], metrics["recall"], metrics["missed"], metrics["hard_negatives_flagged"]) == (1.0, 0.9, ["1.7.11~5.1.3"], [])
    assert metrics["bank_flagged"] == 44
    held_out = evaluate.load_labels(paths.DEDUP_HOLDOUT, dict(zip(labels, texts)))
    metrics = evaluate.metrics_at(SEMANTIC.threshold, held_out, scores)
    assert (metrics["true_positives"], metrics["false_positives"]) == (3, 0)
    assert metrics["missed"] == ["4.2.6~6.5.2", "4.4.4~6.3.6", "2.5.5~8.2.2", "2.5.2~2.5.5"]
