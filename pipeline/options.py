"""The options several commands share, written once: the warehouse and reports folders, the embeddings mode."""

from pathlib import Path

from pipeline import paths

EMBEDDING_MODES = ("auto", "on", "off")


def warehouse(parser, help: str = "the warehouse folder (Parquet tables and questions.duckdb)") -> None:
    parser.add_argument("--warehouse", type=Path, default=paths.WAREHOUSE, help=help)


def reports(parser, help: str = "the reports folder") -> None:
    parser.add_argument("--reports", type=Path, default=paths.REPORTS, help=help)


def embeddings(parser) -> None:
    parser.add_argument(
        "--embeddings",
        choices=EMBEDDING_MODES,
        default="auto",
        help="sentence embeddings in the score: auto (banks up to 20,000 questions), on or off",
    )
