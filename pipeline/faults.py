"""Fault injection for the crash tests: `PIPELINE_FAULT=<stage>:<point>` kills the whole build at that point.

The build (Make and every stage it runs) is killed with SIGKILL, as a power cut or `kill -9` would: nothing gets
to clean up. The points are named where outputs are in flux (see `io.staged_outputs` and `publish`). Unset in
normal runs: `reached` then costs one dictionary lookup.
"""

import os
import signal

STAGE = {"name": None}  # the stage this process is running (set by the command line before each stage)


def reached(point: str) -> None:
    """Kill the process group here if PIPELINE_FAULT names this stage and point."""
    wanted = os.environ.get("PIPELINE_FAULT")
    if wanted and wanted == f"{STAGE['name']}:{point}":
        os.killpg(os.getpgrp(), signal.SIGKILL)
