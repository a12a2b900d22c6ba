"""How long `import spanscope` takes in a fresh interpreter, beside `import mlflow`.

Best of several runs, each in its own subprocess (a warm file cache, a cold interpreter).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

sys.path[:0] = [os.path.dirname(os.path.dirname(os.path.abspath(__file__)))]

from benchmarks.summary import record  # noqa: E402

_PROBE = "import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"


def import_seconds(module: str, runs: int) -> float:
    timings = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", _PROBE.format(module=module)],
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
        timings.append(float(out.stdout.strip()))
    return min(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    spanscope_s = import_seconds("spanscope", args.runs)
    mlflow_s = import_seconds("mlflow", max(1, args.runs // 2))
    print(f"import spanscope: {spanscope_s * 1000:7.1f} ms (goal: under 150 ms)")
    print(f"import mlflow:    {mlflow_s * 1000:7.1f} ms")
    print("goal holds" if spanscope_s < 0.150 else "GOAL MISSED")
    record(
        "import",
        "import spanscope",
        spanscope_s * 1000,
        "ms",
        peer="mlflow",
        peer_value=mlflow_s * 1000,
        goal="< 150 ms",
        met=spanscope_s < 0.150,
    )


if __name__ == "__main__":
    main()
