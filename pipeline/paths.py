"""Every path the pipeline reads or writes by default. The Makefile passes overrides on the command line."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RAW = ROOT / "raw"
SOURCE = RAW / "appendix2_interview_questions.txt"
DECISIONS = RAW / "duplicate_decisions.csv"
TAG_DECISIONS = RAW / "tag_decisions.csv"
ALIASES = RAW / "ref_aliases.csv"
GENERIC_TERMS = RAW / "generic_terms.csv"
EXTERNAL_BANKS = RAW / "external_banks.csv"
VERDICT_HISTORY = RAW / "verdict_history.csv"  # written by the workbench only, appended at each verdict
WAREHOUSE = ROOT / "warehouse"
REPORTS = ROOT / "reports"
BUILDS = ROOT / ".warehouse-builds"  # beside the warehouse link: the work area, the published generations (Makefile's BUILDS)
EXPECTATIONS = ROOT / "expectations"
SQL = ROOT / "pipeline" / "sql"  # the SQL models, one per file, by layer (staging, intermediate, reports)
EVALUATION_DATA = ROOT / "pipeline" / "evaluation" / "data"  # labelled sets the evaluations read (never the build)
DEDUP_LABELS = EVALUATION_DATA / "dedup_labels.csv"  # the development set: weights and thresholds were chosen on it
DEDUP_HOLDOUT = EVALUATION_DATA / "dedup_labels_holdout.csv"  # labelled blind, never used to choose anything
DEDUP_REWRITES = EVALUATION_DATA / "dedup_rewrites.csv"  # paraphrases and look-alikes, written blind
# paraphrases and look-alikes to choose the score's weights on (#36)
DEDUP_REWRITES_DEV = EVALUATION_DATA / "dedup_rewrites_dev.csv"
# look-alikes in a shared frame and paraphrases sharing few words (#36), written blind
DEDUP_FRAMES = EVALUATION_DATA / "dedup_frames.csv"
EXTERNAL_FIXTURES = (
    ROOT / "pipeline" / "evaluation" / "data" / "banks"
)  # banks in the styles real ones fail in, expected rows by hand

INGEST_MANIFEST = "ingest.json"  # written by ingest beside its tables: what it read and the rows it wrote
DUCKDB_FILE = "questions.duckdb"
EXTERNAL_CORPUS = EVALUATION_DATA / "corpus"  # real banks, one per repository, their truth written by hand (#46)
EXTERNAL_VALIDATION = EVALUATION_DATA / "validation"  # real banks no reader rule was written from: a blind check (#46)
EXTERNAL_BLIND = EVALUATION_DATA / "blind"  # real banks collected after every rule was written: the first look (#46)
EXTERNAL_BLIND2 = EVALUATION_DATA / "blind2"  # real banks collected after the session's last rule: its first look (#46)
EXTERNAL_CORPUS_FIGURES = ROOT / "docs" / "external_corpus.json"  # the last eval-external's held-out figures
