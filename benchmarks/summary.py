"""Headline figures for `make bench`'s one table (benchmarks/bench.py).

A benchmark run by bench.py finds SPANSCOPE_BENCH_SUMMARY set to a file and appends one JSON
line per headline figure there; run on its own, `record` does nothing.
"""

from __future__ import annotations

import json
import os

ENV_SUMMARY = "SPANSCOPE_BENCH_SUMMARY"


def record(
    benchmark: str,
    measure: str,
    value: float,
    unit: str,
    *,
    peer: str | None = None,
    peer_value: float | None = None,
    goal: str | None = None,
    met: bool | None = None,
) -> None:
    """One headline figure: spanscope's `value` (and a peer's, measured in the same run)."""
    path = os.environ.get(ENV_SUMMARY)
    if not path:
        return
    row = {
        "benchmark": benchmark,
        "measure": measure,
        "value": value,
        "unit": unit,
        "peer": peer,
        "peer_value": peer_value,
        "goal": goal,
        "met": met,
    }
    with open(path, "a", encoding="utf-8") as out:
        out.write(json.dumps(row) + "\n")
