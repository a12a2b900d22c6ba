"""Search by feedback at scale: first-page latency of `feedback.<name>` filters and ordering.

    .venv/bin/python benchmarks/assessments.py                 # 1,000,000 traces per backend
    .venv/bin/python benchmarks/assessments.py --traces 100000 --backends sqlite

The store (SQLite, and PostgreSQL on a throwaway server from tests/postgres_server.py) is
created and migrated by SqlTraceStore; the traces and their assessments are then inserted
in bulk by SQL (the SDK path is measured by benchmarks/store.py), and every query is timed
through `SqlTraceStore.search_traces`, as the server and the UI call it. One trace in ten has
feedback: `correct` (a boolean, false for a quarter of them) and `score` (a number); one in
ten thousand a `rare` feedback. benchmarks/assessments_results.md holds the figures.
"""

from __future__ import annotations

import os
import statistics
import sys
import time

from sqlalchemy import Connection, text

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [os.path.join(REPO, "src"), REPO]

from benchmarks.scale import arguments, numbered_rows, seeded_stores  # noqa: E402
from benchmarks.summary import record  # noqa: E402

from spanscope.store.sql.store import SqlTraceStore  # noqa: E402

BASE_MS = 1_795_000_000_000
GOAL_MS = 50.0
QUERIES: dict[str, tuple[str | None, list[str] | None]] = {  # label -> (filter, order_by)
    "no filter": (None, None),
    "judged 10%": ("feedback.correct IS NOT NULL", None),
    "thumbs down 2.5%": ("feedback.correct = false", None),
    "thumbs up 7.5%": ("feedback.correct = true", None),
    "score >= 0.9 1%": ("feedback.score >= 0.9", None),
    "rare 0.01%": ("feedback.rare = true", None),
    "down and slow": ("feedback.correct = false AND execution_time_ms > 150", None),
    "not judged 90%": ("feedback.correct IS NULL", None),
    "order by score": (None, ["feedback.score DESC"]),
}


def seed(store: SqlTraceStore, experiment: int, count: int) -> None:
    """`count` traces 10 ms apart; feedback on every tenth (see the module docstring)."""
    sqlite = store.dialect == "sqlite"
    numbers, source, trace_id = numbered_rows(store.dialect)
    with store.engine.begin() as conn:
        conn.execute(
            text(
                f"{numbers}INSERT INTO traces (trace_id, experiment_id, request_time, "
                "execution_duration, state, name, request_preview, response_preview, "
                "metadata_json, tags_json) "
                f"SELECT {trace_id}, :experiment, :base + i * 10, 100 + i % 100, 'OK', "
                "'handle_request', '{\"question\": \"where is my order?\"}', "
                f"'\"It ships today.\"', '{{}}', '{{}}' FROM {source}"
            ),
            {"last": count - 1, "experiment": experiment, "base": BASE_MS},
        )
        for name, every, value_type, number, where in (
            ("correct", 10, "bool", "CASE WHEN i % 40 = 0 THEN 0 ELSE 1 END", ""),
            ("score", 10, "number", "(i % 100) / 100.0", ""),
            ("rare", 10_000, "bool", "1", ""),
        ):
            _assessments(conn, sqlite, experiment, count, name, every, value_type, number, where)
    with store.engine.begin() as conn:  # as PostgreSQL's autovacuum would, and SQLite's
        conn.execute(text("ANALYZE"))  # `PRAGMA optimize`


def _assessments(
    conn: Connection,
    sqlite: bool,
    experiment: int,
    count: int,
    name: str,
    every: int,
    value_type: str,
    number: str,
    where: str,
) -> None:
    numbers = (
        "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + :every FROM n WHERE i + :every "
        "<= :last) "
        if sqlite
        else ""
    )
    source = "n" if sqlite else "generate_series(0, :last, :every) AS n(i)"
    hex_id = "printf('%032x', i)" if sqlite else "lpad(to_hex(i), 32, '0')"
    json_value = (
        f"CASE WHEN {number} = 1 THEN 'true' ELSE 'false' END"
        if value_type == "bool"
        else f"CAST({number} AS TEXT)"
    )
    conn.execute(
        text(
            f"{numbers}INSERT INTO assessments (assessment_id, trace_id, experiment_id, name, "
            "kind, value_json, value_type, value_number, source_type, source_id, metadata_json, "
            "create_time, update_time, valid) "
            f"SELECT 'a-{name}-' || {hex_id}, {hex_id}, :experiment, :name, 'feedback', "
            f"{json_value}, :value_type, {number}, 'HUMAN', 'bench', '{{}}', "
            f":base + i * 10, :base + i * 10, :valid FROM {source}"
        ),
        {
            "last": count - 1,
            "every": every,
            "experiment": experiment,
            "name": name,
            "value_type": value_type,
            "base": BASE_MS,
            "valid": True,
        },
    )


def time_queries(store: SqlTraceStore, experiment: str, runs: int) -> dict[str, tuple[float, int]]:
    """label -> (median ms of the first page of 100, traces on it)."""
    results = {}
    for label, (filter_string, order_by) in QUERIES.items():
        store.search_traces([experiment], filter_string, order_by, max_results=100)  # warm-up
        timings = []
        found = 0
        for _ in range(runs):
            start = time.perf_counter()
            page = store.search_traces([experiment], filter_string, order_by, max_results=100)
            timings.append((time.perf_counter() - start) * 1000)
            found = len(page)
        results[label] = (statistics.median(timings), found)
    return results


def main() -> None:
    args = arguments(__doc__.splitlines()[0], runs=7)
    rows = []
    slow = []
    worst = 0.0
    for backend, store, experiment in seeded_stores(args.backends, args.traces, seed):
        for label, (ms, found) in time_queries(store, experiment, args.runs).items():
            rows.append(f"| {backend} | {label} | {ms:.1f} | {found} |")
            if label != "order by score":
                worst = max(worst, ms)
            if ms >= GOAL_MS and label != "order by score":
                slow.append(f"{backend} {label}: {ms:.1f} ms")
    print(f"\n{args.traces:,} traces, first page of 100, median of {args.runs} runs\n")
    print("| backend | query | ms | traces |\n|---|---|---|---|")
    print("\n".join(rows))
    print(f"\nfilters under {GOAL_MS:.0f} ms: {'yes' if not slow else 'NO: ' + ', '.join(slow)}")
    record(
        "assessments",
        f"slowest feedback filter, {args.traces:,} traces",
        worst,
        "ms",
        goal=f"< {GOAL_MS:.0f} ms",
        met=not slow,
    )


if __name__ == "__main__":
    main()
