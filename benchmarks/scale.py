"""What the scale benchmarks share (assessments.py, spans.py, metrics.py, reads.py): a
throwaway database per backend (SQLite in a temporary folder, PostgreSQL on a throwaway server
from tests/postgres_server.py), or with --keep DIR one kept in DIR and reused by the next run
of the same size; an experiment seeded in bulk by SQL (`indexes_dropped` around the seed:
building an index once is cheaper than keeping it up to date row by row), their timing and
their command line."""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from spanscope.store.sql.store import SqlTraceStore

__all__ = [
    "arguments",
    "database",
    "indexes_dropped",
    "median_ms",
    "numbered_rows",
    "seeded_stores",
]

Seed = Callable[[SqlTraceStore, int, int], None]


def arguments(description: str, runs: int) -> argparse.Namespace:
    """--traces (default 1,000,000), --backends (sqlite,postgresql), --runs, --keep."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--traces", type=int, default=1_000_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--runs", type=int, default=runs)
    parser.add_argument(
        "--keep",
        metavar="DIR",
        help="keep the seeded databases in DIR; a later run with the same --traces reuses them",
    )
    return parser.parse_args()


@contextmanager
def database(backend: str, tmp: str) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{tmp}/bench.db"
        return
    from tests.postgres_server import running_postgres

    with running_postgres() as uri:
        yield uri


@contextmanager
def _kept_database(backend: str, keep: str, traces: int) -> Iterator[str]:
    root = Path(keep).resolve() / f"{backend}-{traces}"
    root.mkdir(parents=True, exist_ok=True)
    if backend == "sqlite":
        yield f"sqlite:///{root}/bench.db"
        return
    with _kept_postgres(root) as uri:
        yield uri


@contextmanager
def _kept_postgres(root: Path) -> Iterator[str]:
    """A PostgreSQL server on a data folder in `root`, made on first use, stopped after."""
    from tests.postgres_server import postgres_binaries

    binaries = postgres_binaries()
    if binaries is None:
        raise RuntimeError("PostgreSQL is not installed")
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def run(program: str, *args: str) -> None:
        command = [*prefix, str(binaries / program), *args]
        subprocess.run(command, check=True, capture_output=True, timeout=600)

    data = root / "data"
    fresh = not data.exists()
    if prefix:
        shutil.chown(root, user="postgres")
    if fresh:
        run("initdb", "-D", str(data), "-A", "trust", "-U", "spanscope", "--locale=C.UTF-8",
            "-E", "UTF8")  # fmt: skip
    from tests.postgres_server import _free_port

    port = _free_port()
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
    run("pg_ctl", "-D", str(data), "-l", str(root / "log"), "-o", options, "-w", "start")
    try:
        if fresh:
            run("createdb", "-h", "127.0.0.1", "-p", str(port), "-U", "spanscope", "bench")
        yield f"postgresql://spanscope@127.0.0.1:{port}/bench"
    finally:
        run("pg_ctl", "-D", str(data), "-m", "fast", "stop")


def seeded_stores(
    backends: str, traces: int, seed: Seed, keep: str | None = None
) -> Iterator[tuple[str, SqlTraceStore, str]]:
    """For each backend: (backend, store, experiment id) with `traces` traces seeded by
    `seed(store, experiment number, count)`; the database is gone after each, unless `keep`
    names a folder to keep it in (a database seeded there before is used as it is)."""
    for backend in backends.split(","):
        with (
            tempfile.TemporaryDirectory() as tmp,
            (
                database(backend, tmp) if keep is None else _kept_database(backend, keep, traces)
            ) as uri,
        ):
            store = SqlTraceStore(uri)
            marker = None if keep is None else Path(keep) / f"{backend}-{traces}" / "seeded"
            try:
                kept = store.get_experiment_by_name("bench")
                if kept is not None and marker is not None and marker.exists():
                    print(f"{backend}: reusing {traces:,} traces seeded before", flush=True)
                    yield backend, store, kept.experiment_id
                    continue
                if kept is not None:
                    raise RuntimeError(f"{uri}: a seed did not finish; remove the database")
                experiment = store.create_experiment("bench")
                start = time.perf_counter()
                seed(store, int(experiment), traces)
                seeded_s = time.perf_counter() - start
                if marker is not None:
                    marker.write_text(f"{traces}\n")
                print(f"{backend}: seeded {traces:,} traces in {seeded_s:.0f} s", flush=True)
                yield backend, store, experiment
            finally:
                store.close()


@contextmanager
def indexes_dropped(store: SqlTraceStore, tables: tuple[str, ...]) -> Iterator[None]:
    """The secondary indexes of `tables` dropped, then made again as they were (bulk seeds).
    Primary keys and unique constraints stay."""
    names = ", ".join(f"'{t}'" for t in tables)
    if store.dialect == "sqlite":
        listing = (
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
            f"AND tbl_name IN ({names}) AND sql IS NOT NULL"
        )
    else:
        listing = (
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
            f"AND tablename IN ({names}) "
            "AND indexname NOT IN (SELECT conname FROM pg_constraint)"
        )
    with store.engine.begin() as conn:
        found = [(str(n), str(sql)) for n, sql in conn.exec_driver_sql(listing)]
        for name, _ in found:
            conn.exec_driver_sql(f"DROP INDEX {name}")
    yield
    with store.engine.begin() as conn:
        if store.dialect == "postgresql":
            conn.exec_driver_sql("SET LOCAL maintenance_work_mem = '512MB'")
        for _, sql in found:
            conn.exec_driver_sql(sql)


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
