"""Each scale and throughput benchmark runs end to end at a tiny size, so none rots between the
runs that produce benchmarks/*_results.md; and none writes outside its temporary folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

SMOKES = {
    "metrics": ["metrics.py", "--traces", "3000", "--runs", "1"],
    "spans": ["spans.py", "--traces", "2000", "--backends", "sqlite", "--runs", "1"],
    "assessments": ["assessments.py", "--traces", "2000", "--backends", "sqlite", "--runs", "1"],
    "evaluation": [
        "evaluation.py",
        *("--traces", "40", "--judged", "16", "--mlflow-rows", "0", "--latency-ms", "5"),
    ],
    "burst": ["burst.py", "--quick"],
    "bench": ["bench.py", "--only", "import"],  # `make bench`'s table
    "disk": ["disk.py", "--traces", "60"],
    "reads": ["reads.py", "--traces", "2000", "--runs", "1"],
}


@pytest.mark.parametrize("name", sorted(SMOKES))
def test_the_benchmark_runs_small(name: str, tmp_path: Path) -> None:
    script, *args = SMOKES[name]
    home = tmp_path / "home"
    home.mkdir()
    summary = home / "summary.jsonl"
    env = {**os.environ, "SPANSCOPE_HOME": str(home), "SPANSCOPE_BENCH_SUMMARY": str(summary)}
    env.pop("SPANSCOPE_TRACKING_URI", None)
    done = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / script), *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    assert done.stdout.strip(), "the benchmark printed no figures"
    if name == "bench":
        assert "| import | import spanscope |" in done.stdout, done.stdout[-2000:]
    else:  # its headline figures reach `make bench`'s table
        rows = [json.loads(line) for line in summary.read_text().splitlines()]
        assert rows and all(isinstance(r["value"], int | float) for r in rows), rows
    left = sorted(p.name for p in tmp_path.iterdir() if p.name != "home")
    assert left == [], f"the benchmark wrote {left} into the folder it ran from"
