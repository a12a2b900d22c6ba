"""What the scale benchmarks share (assessments.py, spans.py, metrics.py): a throwaway database
per backend (SQLite in a temporary folder, PostgreSQL on a throwaway server from
tests/postgres_server.py), an experiment seeded in bulk by SQL, and their command line."""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from spanscope.store.sql.store import SqlTraceStore

__all__ = ["arguments", "database", "seeded_stores"]

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
