"""Run one command and print its wall time and peak memory as JSON: `python -m pipeline.bench.measure -- CMD …`.

The wrapper is the command's only parent, so the children's peak resident set size is the command's own. A Python
command run with `-X importtime` also gets `import_s`: the seconds its imports took (read from its whole stderr,
whose importtime lines are then left out of the excerpt).
"""

import json
import re
import resource
import subprocess
import sys
import time

from pipeline import paths

# python -X importtime: "import time: <self µs> | <cumulative µs> | <two spaces a level deeper><module>"
IMPORT_LINE = re.compile(r"import time:\s+\d+ \|\s+(\d+) \|( +)(\S+)")


def import_seconds(stderr: str) -> float | None:
    """Return the seconds spent importing, from `-X importtime` output: the cumulative times of the imports that no
    other import started (the first level, each counting its own imports), summed; None without such lines."""
    found = [match for line in stderr.splitlines() if (match := IMPORT_LINE.match(line))]
    if not found:
        return None
    return round(sum(int(m.group(1)) for m in found if len(m.group(2)) == 1) / 1e6, 3)


def measure(command: list[str], env: dict | None = None) -> dict:
    """Return wall time, peak memory and output of `command`, run under this measuring wrapper (a process of its own)."""
    wrapper = [sys.executable, "-m", "pipeline.bench.measure", "--", *command]
    finished = subprocess.run(wrapper, capture_output=True, text=True, cwd=paths.ROOT, env=env)
    return json.loads(finished.stdout)


def main(argv: list[str]) -> int:
    command = argv[argv.index("--") + 1 :] if "--" in argv else argv
    start = time.perf_counter()
    finished = subprocess.run(command, capture_output=True, text=True)
    wall = time.perf_counter() - start
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    stderr = "\n".join(line for line in finished.stderr.splitlines() if not line.startswith("import time:"))
    print(
        json.dumps(
            {
                "returncode": finished.returncode,
                "wall_s": round(wall, 3),
                "peak_mib": round(peak_kib / 1024, 1),
                "import_s": import_seconds(finished.stderr),
                "stdout": finished.stdout[-2000:],
                "stderr": stderr[-2000:],
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
