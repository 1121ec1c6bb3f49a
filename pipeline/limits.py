"""Every input limit, in one place: what the pipeline refuses before it reads too much (docs/reliability.md).

A limit is refused with one `error:` line naming the file, the line where there is one, and the limit itself, so
no input can hang a build or exhaust memory. Each is far above anything real: the appendix is 60 KB with lines of
at most 700 characters and questions of at most 180; a generated bank of a million questions is about 130 MB.
"""

import os

# The appendix file: 16 MiB is about 120,000 questions, 340 times the real appendix (a 40 MB appendix took 1.6 GB a
# stage and ran past 300 s). `make bench` raises it for its generated banks of up to a
# million questions (130 MB) through PIPELINE_APPENDIX_MAX_BYTES; nothing else should.
APPENDIX_MAX_BYTES = int(os.environ.get("PIPELINE_APPENDIX_MAX_BYTES") or 16 * 2**20)
CSV_MAX_BYTES = 16 * 2**20  # each editors' CSV file: decisions, tag decisions, registry, aliases, generic terms
BANK_MAX_BYTES = 5_000_000  # an external bank's file (`--max-bank-bytes`); the largest known bank is 100 KB
LINE_MAX_CHARS = 10_000  # a line of the appendix or of an external bank
QUESTION_MAX_CHARS = 2_000  # one question's text, in the appendix or an external bank
CSV_FIELD_MAX_CHARS = 131_072  # a CSV cell (the csv module's own limit)
REPORT_MAX_BYTES = 2**30  # our own quality.json, read back by the gate

# A bank read with a lower confidence than this (external/markdown.py: confidence) is named by a warning of make all
# and on the external coverage page, with the lines in doubt (#46).
READING_CONFIDENCE = 0.8
