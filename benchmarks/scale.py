"""What the scale benchmarks share (assessments.py, spans.py, metrics.py, reads.py): a
throwaway database per backend (SQLite in a temporary folder, PostgreSQL on a throwaway server
from tests/postgres_server.py), an experiment seeded in bulk by SQL, their timing and their
command line."""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from spanscope.store.sql.store import SqlTraceStore

__all__ = ["arguments", "database", "median_ms", "numbered_rows", "seeded_stores"]

Seed = Callable[[SqlTraceStore, int, int], None]


def arguments(description: str, runs: int) -> argparse.Namespace:
    """--traces (default 1,000,000), --backends (sqlite,postgresql), --runs."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--traces", type=int, default=1_000_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--runs", type=int, default=runs)
    return parser.parse_args()


@contextmanager
def database(backend: str, tmp: str) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{tmp}/bench.db"
        return
    from tests.postgres_server import running_postgres

    with running_postgres() as uri:
        yield uri


def seeded_stores(
    backends: str, traces: int, seed: Seed
) -> Iterator[tuple[str, SqlTraceStore, str]]:
    """For each backend: (backend, store, experiment id) with `traces` traces seeded by
    `seed(store, experiment number, count)`; the database is gone after each."""
    for backend in backends.split(","):
        with tempfile.TemporaryDirectory() as tmp, database(backend, tmp) as uri:
            store = SqlTraceStore(uri)
            try:
                experiment = store.create_experiment("bench")
                start = time.perf_counter()
                seed(store, int(experiment), traces)
                seeded_s = time.perf_counter() - start
                print(f"{backend}: seeded {traces:,} traces in {seeded_s:.0f} s", flush=True)
                yield backend, store, experiment
            finally:
                store.close()


def numbered_rows(dialect: str, first: str = "0") -> tuple[str, str, str]:
    """SQL that numbers rows i = `first` .. :last: (the WITH prefix, the FROM source, the trace
    id of row i as 32 hex digits) for bulk INSERT ... SELECT seeds."""
    if dialect == "sqlite":
        numbers = (
            f"WITH RECURSIVE n(i) AS (SELECT {first} UNION ALL SELECT i + 1 FROM n "
            "WHERE i < :last) "
        )
        return numbers, "n", "printf('%032x', i)"
    return (
        "",
        f"generate_series(CAST({first} AS BIGINT), :last) AS n(i)",
        "lpad(to_hex(i), 32, '0')",
    )


def median_ms(call: Callable[[], int], runs: int) -> tuple[float, int]:
    """The median ms of `runs` calls after a warm-up, and what the last call returned."""
    call()
    timings = []
    found = 0
    for _ in range(runs):
        start = time.perf_counter()
        found = call()
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings), found
