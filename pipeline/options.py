"""The options several commands share, written once: the warehouse and reports folders, the embeddings mode, and how
the commands that build raw/ as it was in git (`base`, `history`) find their versions."""

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


def versions(parser) -> None:
    """The options of the commands that build raw/ at other commits: the area of builds, the cache they share, the
    repository read, and the current build's inputs (Make passes them as NAME=PATH)."""
    parser.add_argument("--area", type=Path, required=True, help="the folder holding one build per tree of raw/")
    embeddings(parser)
    parser.add_argument("--repo", type=Path, default=paths.ROOT, help="the git repository whose raw/ is read (this one)")
    inputs(parser, "the inputs as the current build reads them")


def inputs(parser, help: str = "the inputs: SOURCE=raw/… (default: paths.py's)") -> None:
    """The build's inputs as Make passes them, NAME=PATH (flow/command.py: given_inputs reads them)."""
    parser.add_argument("input", nargs="*", metavar="NAME=PATH", help=help)
