"""`make bench`: run the benchmarks at a moderate size and print their headline figures as one
table, beside the peers measured in the same run, with the machine's load before and after.

Each benchmark runs in its own process, in a temporary folder (nothing is written where this
runs); its full output goes to a log that is printed when it fails. `--full` runs the sizes
the goals are set at (1,000,000 traces: tens of minutes); `--only NAME,...` picks benchmarks.
The full figures and how they were made are in benchmarks/README.md and the *_results.md pages.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks.summary import ENV_SUMMARY  # noqa: E402

# name -> (arguments at the default size, arguments at the goals' size)
SUITE: dict[str, tuple[list[str], list[str]]] = {
    "import": (["import_time.py", "--runs", "5"], ["import_time.py", "--runs", "9"]),
    "overhead": (["overhead.py", "--quick"], ["overhead.py"]),
    "burst": (["burst.py", "--quick"], ["burst.py"]),
    "metrics": (
        ["metrics.py", "--traces", "100000", "--runs", "3"],
        ["metrics.py", "--traces", "1000000"],
    ),
    "spans": (
        ["spans.py", "--traces", "100000", "--runs", "3"],
        ["spans.py", "--traces", "1000000"],
    ),
    "assessments": (
        ["assessments.py", "--traces", "100000", "--runs", "3"],
        ["assessments.py", "--traces", "1000000"],
    ),
    "disk": (["disk.py", "--traces", "2000"], ["disk.py", "--traces", "20000", "--runs", "5"]),
    "reads": (
        ["reads.py", "--traces", "100000", "--runs", "3"],
        ["reads.py", "--traces", "1000000"],
    ),
    "evaluation": (
        ["evaluation.py", "--judged", "100", "--mlflow-rows", "20"],
        ["evaluation.py"],
    ),
}


def run(name: str, command: list[str], summary: Path, folder: Path) -> tuple[bool, float]:
    env = {**os.environ, ENV_SUMMARY: str(summary), "SPANSCOPE_HOME": str(folder / "home")}
    env.pop("SPANSCOPE_TRACKING_URI", None)
    log = folder / f"{name}.log"
    start = time.perf_counter()
    with log.open("w") as out:
        done = subprocess.run(
            [sys.executable, str(HERE / command[0]), *command[1:]],
            cwd=folder,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            check=False,
        )
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        print(f"\n{name} FAILED (exit {done.returncode}); its output:\n{log.read_text()[-4000:]}")
    return done.returncode == 0, seconds


def _number(value: float | None, unit: str = "") -> str:
    if value is None:
        return ""
    if unit == "traces" or (value == int(value) and abs(value) >= 100):
        return f"{value:,.0f}"
    return f"{value:.3g}" if abs(value) < 100 else f"{value:,.0f}"


def table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| benchmark | measure | spanscope | peer (same run) | ratio | goal | met |",
        "|---|---|---:|---:|---:|---|---|",
    ]
    for r in rows:
        unit = r["unit"]
        peer = ""
        ratio = ""
        if r["peer"] is not None and r["peer_value"] is not None:
            peer = f"{r['peer']} {_number(r['peer_value'], unit)} {unit}"
            if r["peer_value"] and not math.isclose(r["peer_value"], 0.0):
                ratio = f"{r['value'] / r['peer_value']:.3g}x"
        met = "" if r["met"] is None else ("yes" if r["met"] else "NO")
        lines.append(
            f"| {r['benchmark']} | {r['measure']} | {_number(r['value'], unit)} {unit} "
            f"| {peer} | {ratio} | {r['goal'] or ''} | {met} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="the goals' sizes (1M traces)")
    parser.add_argument("--only", help=f"comma-separated, of: {', '.join(SUITE)}")
    args = parser.parse_args()
    names = args.only.split(",") if args.only else list(SUITE)
    unknown = [n for n in names if n not in SUITE]
    if unknown:
        parser.error(f"unknown benchmark(s) {', '.join(unknown)}; known: {', '.join(SUITE)}")
    load_before = os.getloadavg()
    failed = []
    with tempfile.TemporaryDirectory(prefix="spanscope-bench-") as tmp:
        folder = Path(tmp)
        summary = folder / "summary.jsonl"
        summary.touch()
        for name in names:
            command = SUITE[name][1 if args.full else 0]
            print(f"... {name}: {' '.join(command)}", flush=True)
            ok, seconds = run(name, command, summary, folder)
            print(f"    {'done' if ok else 'FAILED'} in {seconds:.0f} s", flush=True)
            if not ok:
                failed.append(name)
        rows = [json.loads(line) for line in summary.read_text().splitlines() if line]
    load_after = os.getloadavg()
    print(
        f"\n{os.cpu_count()} CPUs; load average {load_before[0]:.2f} before, "
        f"{load_after[0]:.2f} after (figures drift with load; the ratios to peers hold)\n"
    )
    print(table(rows))
    missed = [r for r in rows if r["met"] is False]
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    if missed:
        print(f"\ngoals missed: {len(missed)} (see the table)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
