"""The ingest stage: read the appendix, parse it, write one Parquet file per table into the warehouse."""

import hashlib
from pathlib import Path

from pipeline import io, limits, paths
from pipeline.errors import InputError
from pipeline.ingest.parse import parse_appendix
from pipeline.schema import TABLES


def run(source: Path, warehouse: Path) -> dict:
    """Return the ingest manifest (row count per table) after writing every ingest table into `warehouse`."""
    text = io.read_text(source, limits.APPENDIX_MAX_BYTES, "the appendix")
    try:
        tables = parse_appendix(text)
    except InputError as error:
        raise error.located(str(source)) from None
    manifest = {
        "source": str(source),
        "source_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        "rows": {name: len(rows) for name, rows in tables.items()},
    }
    with io.staged_outputs(warehouse) as scratch:
        for table in TABLES:
            if table.stage == "ingest":
                io.write_table(tables[table.name], table, scratch)
        io.write_json(manifest, scratch / paths.INGEST_MANIFEST)
    return manifest


def summary(manifest: dict) -> str:
    """Return the one-line terminal summary of an ingest run."""
    rows = manifest["rows"]
    line = ", ".join(f"{count} {name}" for name, count in rows.items())
    warning = f" — {rows['parse_issues']} line(s) not placed: see parse_issues" if rows["parse_issues"] else ""
    return f"ingest: {line}{warning}"
