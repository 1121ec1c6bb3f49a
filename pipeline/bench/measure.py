"""Run one command and print its wall time and peak memory as JSON: `python -m pipeline.bench.measure -- CMD …`.

The wrapper is the command's only parent, so the children's peak resident set size is the command's own.
"""

import json
import resource
import subprocess
import sys
import time


def main(argv: list[str]) -> int:
    command = argv[argv.index("--") + 1 :] if "--" in argv else argv
    start = time.perf_counter()
    finished = subprocess.run(command, capture_output=True, text=True)
    wall = time.perf_counter() - start
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(
        json.dumps(
            {
                "returncode": finished.returncode,
                "wall_s": round(wall, 3),
                "peak_mib": round(peak_kib / 1024, 1),
                "stdout": finished.stdout[-2000:],
                "stderr": finished.stderr[-2000:],
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
