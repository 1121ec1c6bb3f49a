"""The duplicate scorer's settings: how many neighbours make candidates, what is rare, the weights of the combination
and the thresholds. Chosen with `make eval-dedup` on the development labels and `make bench`; read by every stage
that scores (dedup, overlap, tags, embed)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Weights:  # chosen with `make eval-dedup` (real labelled pairs) and `make bench` (recall of injected typos)
    word: float = 0.30
    char: float = 0.20
    fuzz: float = 0.10
    rare: float = 0.40


@dataclass(frozen=True)
class Settings:
    neighbours: int = 10  # top-k per question and per representation
    candidate_max_df: int = 50  # terms in more questions than this do not make candidates (they still score)
    batch_pairs: int = 50_000  # pairs scored per batch: bounds memory
    rare_max_df: int = 3  # a term in at most this many questions counts as rare …
    rare_share: float = 0.0001  # … or in at most this share of the bank, when that is more (a name in 100 of 1M questions)
    threshold: float = 0.52  # with embeddings; chosen on the development sets (`eval-dedup --choose`, docs/dedup.md)
    lexical_threshold: float = 0.40  # without embeddings: the lowest at which the development labels flag no hard negative
    review_band: int = 20  # the undecided pairs after the flagged ones that join the review queue
    near_margin: float = 0.08  # overlap: an external question this far below the threshold is "near", not covered
    weights: Weights = Weights()
    lexical_share: float = 0.3  # share of the lexical score in `base` (the rest is the embedding cosine); chosen likewise
    agreement_weight: float = 0.0  # bonus for shared names with embeddings; chosen likewise (the cosine sees the names)
    lexical_agreement_weight: float = 0.1  # … and without them, where the names are the only sign of meaning
    conflict_penalty: float = 0.5  # a full subject swap halves the score
    section_penalty: float = 0.20  # a pair inside one section loses this share (follow-ups are deliberate there)
    frames: bool = True  # the lexical signals read each question without its frame (frames.py)
    frame_min_count: int = 4  # a frame opens at least this many questions, with at least this many words after it …
    frame_share: float = 0.01  # … and at least this share of the bank
    embed_max_questions: int = 20_000  # `auto` embeds banks up to this size (encoding costs about 2.3 ms a question here)

    def threshold_for(self, has_embeddings: bool) -> float:
        """Return the flagging threshold of the scoring in use."""
        return self.threshold if has_embeddings else self.lexical_threshold

    def agreement_for(self, has_embeddings: bool) -> float:
        """Return the names' agreement bonus of the scoring in use."""
        return self.agreement_weight if has_embeddings else self.lexical_agreement_weight


DEFAULT = Settings()
# The scorer before #36, which `make eval-dedup` reports beside the shipped one: no frames, the older blend.
PREVIOUS = Settings(
    frames=False, lexical_share=0.4, agreement_weight=0.1, lexical_agreement_weight=0.1, threshold=0.50, lexical_threshold=0.40
)
