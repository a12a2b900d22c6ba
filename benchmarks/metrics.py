"""The dashboard's metrics query at scale: 30 days, hourly buckets, grouped by model.

    .venv/bin/python benchmarks/metrics.py                 # 1,000,000 traces per backend
    .venv/bin/python benchmarks/metrics.py --traces 100000 --backends sqlite

The store (SQLite, and PostgreSQL on a throwaway server from tests/postgres_server.py) is
created and migrated by SqlTraceStore; the traces are then inserted in bulk by SQL (the SDK
path is measured by benchmarks/store.py), spread evenly over 30 days, with one of five models,
one in twenty failed, durations and token counts varying. Every query is timed through
`SqlTraceStore.get_metrics`, as the server and the UI call it. benchmarks/metrics_results.md
holds the figures.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from typing import Any

from sqlalchemy import text

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [os.path.join(REPO, "src"), REPO]

from benchmarks.scale import arguments, numbered_rows, seeded_stores  # noqa: E402
from benchmarks.summary import record  # noqa: E402

from spanscope.store.sql.store import SqlTraceStore  # noqa: E402

BASE_MS = 1_795_000_000_000
DAYS_MS = 30 * 86_400_000
GOAL_MS = 300.0
QUERIES: dict[str, tuple[str, str | None, str | None]] = {  # label -> (bucket, group_by, filter)
    "30 d, hourly, by model": ("hour", "model", None),
    "30 d, hourly": ("hour", None, None),
    "30 d, daily, by model": ("day", "model", None),
    "30 d, hourly, by model, errors": ("hour", "model", "status = 'ERROR'"),
}


def seed(
    store: SqlTraceStore, experiment: int, count: int, base: int = BASE_MS, span: int = DAYS_MS
) -> None:
    """`count` traces evenly over `span` ms from `base` (see the module docstring); ids after
    those already stored."""
    numbers, source, trace_id = numbered_rows(store.dialect, ":first")
    with store.engine.begin() as conn:
        first = conn.execute(text("SELECT count(*) FROM traces")).scalar_one()
        conn.execute(
            text(
                f"{numbers}INSERT INTO traces (trace_id, experiment_id, request_time, "
                "execution_duration, state, name, input_tokens, output_tokens, total_tokens, "
                "metadata_json, tags_json, model) "
                f"SELECT {trace_id}, :experiment, :base + (i - :first) * CAST(:step AS BIGINT), "
                "100 + (i * 7919) % 900, "
                "CASE WHEN i % 20 = 0 THEN 'ERROR' ELSE 'OK' END, 'handle_request', "
                "100 + i % 50, 20 + i % 30, 120 + i % 50 + i % 30, '{}', '{}', "
                "CASE i % 5 WHEN 0 THEN 'gpt-4o' WHEN 1 THEN 'gpt-4o-mini' "
                "WHEN 2 THEN 'claude-sonnet-4' WHEN 3 THEN 'gemini-2.5-flash' ELSE NULL END "
                f"FROM {source}"
            ),
            {
                "first": first,
                "last": first + count - 1,
                "experiment": experiment,
                "base": base,
                "step": max(1, span // count),
            },
        )
    with store.engine.begin() as conn:  # as PostgreSQL's autovacuum would, and SQLite's
        conn.execute(text("ANALYZE"))  # `PRAGMA optimize`


def time_queries(store: SqlTraceStore, experiment: str, runs: int) -> dict[str, tuple[float, int]]:
    """label -> (median ms, traces counted); first the query that rolls the 30 days up after
    the bulk write, last the dashboard's query after 1,000 more traces in the last hour."""
    results = {}
    dashboard = (experiment, BASE_MS, BASE_MS + DAYS_MS, "hour", None, "model")
    start = time.perf_counter()
    series = store.get_metrics(*dashboard)
    results["first query: rolls up 30 d"] = ((time.perf_counter() - start) * 1000, _counted(series))
    for label, (bucket, group_by, filter_string) in QUERIES.items():
        args = (experiment, BASE_MS, BASE_MS + DAYS_MS, bucket, filter_string, group_by)
        store.get_metrics(*args)  # warm-up
        timings = []
        for _ in range(runs):
            start = time.perf_counter()
            series = store.get_metrics(*args)
            timings.append((time.perf_counter() - start) * 1000)
        results[label] = (statistics.median(timings), _counted(series))
    seed(store, int(experiment), 1000, BASE_MS + DAYS_MS - 3_600_000, 3_600_000)
    start = time.perf_counter()
    series = store.get_metrics(*dashboard)
    label = "30 d, hourly, by model, after 1,000 new traces"
    results[label] = ((time.perf_counter() - start) * 1000, _counted(series))
    return results


def _counted(series: Any) -> int:
    return sum(sum(int(v or 0) for v in g.values["trace_count"]) for g in series.groups)


def main() -> None:
    args = arguments(__doc__.splitlines()[0], runs=5)
    rows = []
    slow = []
    for backend, store, experiment in seeded_stores(args.backends, args.traces, seed):
        for label, (ms, counted) in time_queries(store, experiment, args.runs).items():
            rows.append(f"| {backend} | {label} | {ms:.0f} | {counted:,} |")
            print(rows[-1], flush=True)
            if label == "30 d, hourly, by model":
                if ms >= GOAL_MS:
                    slow.append(f"{backend} {label}: {ms:.0f} ms")
                record(
                    "metrics",
                    f"dashboard query, {args.traces:,} traces, {backend}",
                    ms,
                    "ms",
                    goal=f"< {GOAL_MS:.0f} ms at 1M",
                    met=ms < GOAL_MS,
                )
    print(f"\n{args.traces:,} traces over 30 days, median of {args.runs} runs\n")
    print("| backend | query | ms | traces counted |\n|---|---|---|---|")
    print("\n".join(rows))
    print(
        f"\nthe dashboard's query under {GOAL_MS:.0f} ms: "
        + ("yes" if not slow else "NO: " + ", ".join(slow))
    )


if __name__ == "__main__":
    main()
