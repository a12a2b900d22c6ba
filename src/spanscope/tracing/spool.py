"""The spool: a local, durable buffer between the export queue and destinations that can fail.

A batch bound for a remote destination (a spanscope server, an OTLP collector) is written here
before it is sent and deleted once the destination acknowledges it; a batch a local store
could not take lands here too. A background thread replays what is left, and so does the next
spanscope process using the same home, and `spanscope spool flush`. Receivers are idempotent
on (trace_id, span_id), so a batch sent twice is stored once.

It is one SQLite file, `$SPANSCOPE_HOME/spool/spool.db` (WAL mode; several processes may share
it). Each row is one batch: its destination key ("store:<uri>" or "otlp:<endpoint>"), the
encoded request body, and how many traces and spans it holds. The file is bounded in bytes:
past `SPANSCOPE_SPOOL_MAX_BYTES` the oldest batches are evicted, and counted.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from spanscope.constants import ENV_HOME, ENV_SPOOL_DIR, ENV_SPOOL_MAX_BYTES

if TYPE_CHECKING:
    import sqlite3

__all__ = ["DEFAULT_MAX_BYTES", "Batch", "Spool", "SpoolStatus", "default_spool_dir"]

DEFAULT_MAX_BYTES = 256 * 1024 * 1024
_BUSY_TIMEOUT_MS = 10_000
_SCHEMA = """
CREATE TABLE IF NOT EXISTS batches (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    destination TEXT NOT NULL,
    created_at REAL NOT NULL,
    traces INTEGER NOT NULL,
    spans INTEGER NOT NULL,
    size INTEGER NOT NULL,
    payload BLOB NOT NULL,
    lease_owner TEXT,
    lease_until REAL NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS batches_by_destination ON batches (destination, id);
"""


def default_spool_dir() -> Path:
    """`SPANSCOPE_SPOOL_DIR`, else `spool/` under SPANSCOPE_HOME (default ~/.spanscope)."""
    configured = os.environ.get(ENV_SPOOL_DIR)
    if configured:
        return Path(configured).expanduser()
    home = os.environ.get(ENV_HOME) or os.path.join(os.path.expanduser("~"), ".spanscope")
    return Path(home) / "spool"


def default_max_bytes() -> int:
    raw = os.environ.get(ENV_SPOOL_MAX_BYTES, "").strip()
    try:
        return max(int(raw), 0) if raw else DEFAULT_MAX_BYTES
    except ValueError:
        return DEFAULT_MAX_BYTES


@dataclass(frozen=True, slots=True)
class Batch:
    """One spooled batch, claimed for delivery."""

    id: int
    destination: str
    traces: int
    spans: int
    payload: bytes


@dataclass(frozen=True, slots=True)
class SpoolStatus:
    """What waits in the spool for one destination."""

    destination: str
    batches: int
    traces: int
    spans: int
    bytes: int
    oldest: float | None  # seconds since the epoch


class Spool:
    """The spool file of one directory; safe to share between threads and processes."""

    def __init__(self, directory: Path | str | None = None, max_bytes: int | None = None) -> None:
        self.directory = Path(directory) if directory is not None else default_spool_dir()
        self.path = self.directory / "spool.db"
        self.max_bytes = default_max_bytes() if max_bytes is None else max_bytes
        # This process's leases; a lease of a process that is gone is free to take.
        self.owner = f"{os.getpid()}:{os.urandom(8).hex()}"
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: list[sqlite3.Connection] = []

    # -- writing ------------------------------------------------------------------------

    def append(self, destination: str, payload: bytes, traces: int, spans: int) -> tuple[int, int]:
        """Add a batch; returns (its id, traces evicted to stay under `max_bytes`).

        The batch is leased to this process, so the background replay leaves it alone while
        the caller is still sending it.
        """
        now = time.time()
        with self._transaction() as conn:
            cursor = conn.execute(
                "INSERT INTO batches (destination, created_at, traces, spans, size, payload, "
                "lease_owner, lease_until) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (destination, now, traces, spans, len(payload), payload, self.owner, now + 60),
            )
            batch_id = int(cursor.lastrowid or 0)
            evicted = self._evict(conn, keep=batch_id)
        return batch_id, evicted

    def ack(self, batch_id: int) -> None:
        """The destination has the batch: forget it."""
        with self._transaction() as conn:
            conn.execute("DELETE FROM batches WHERE id = ?", (batch_id,))

    def release(self, batch_id: int) -> None:
        """Not delivered now: leave it for the replay."""
        with self._transaction() as conn:
            conn.execute(
                "UPDATE batches SET lease_owner = NULL, lease_until = 0 WHERE id = ?", (batch_id,)
            )

    # -- replaying ----------------------------------------------------------------------

    def claim(self, destination: str, limit: int = 8, lease_s: float = 60.0) -> list[Batch]:
        """The oldest unleased batches of `destination`, leased to this process for `lease_s`
        (another process replaying the same spool skips them meanwhile)."""
        now = time.time()
        with self._transaction() as conn:
            rows = conn.execute(
                "SELECT id, destination, traces, spans, payload, lease_owner, lease_until "
                "FROM batches WHERE destination = ? ORDER BY id LIMIT ?",
                (destination, limit * 4),
            ).fetchall()
            rows = [r for r in rows if r[6] < now or _gone(r[5])][:limit]
            conn.executemany(
                "UPDATE batches SET lease_owner = ?, lease_until = ? WHERE id = ?",
                [(self.owner, now + lease_s, row[0]) for row in rows],
            )
        return [Batch(int(r[0]), str(r[1]), int(r[2]), int(r[3]), bytes(r[4])) for r in rows]

    def destinations(self) -> list[str]:
        if not self.path.exists():
            return []
        with self._transaction() as conn:
            return [r[0] for r in conn.execute("SELECT DISTINCT destination FROM batches")]

    def status(self) -> list[SpoolStatus]:
        """What waits, by destination (empty when the spool file does not exist)."""
        if not self.path.exists():
            return []
        with self._transaction() as conn:
            rows = conn.execute(
                "SELECT destination, count(*), sum(traces), sum(spans), sum(size), "
                "min(created_at) FROM batches GROUP BY destination ORDER BY destination"
            ).fetchall()
        return [SpoolStatus(r[0], r[1], r[2], r[3], r[4], r[5]) for r in rows]

    def close(self) -> None:
        with self._lock:
            connections, self._connections = self._connections, []
        for conn in connections:
            with contextlib.suppress(Exception):
                conn.close()
        self._local = threading.local()

    # -- internals ----------------------------------------------------------------------

    def _evict(self, conn: sqlite3.Connection, keep: int) -> int:
        if self.max_bytes <= 0:
            return 0
        total = conn.execute("SELECT coalesce(sum(size), 0) FROM batches").fetchone()[0]
        evicted = 0
        while total > self.max_bytes:
            row = conn.execute(
                "SELECT id, traces, size FROM batches WHERE id <> ? ORDER BY id LIMIT 1", (keep,)
            ).fetchone()
            if row is None:
                break  # only the new batch is left: keep it, even if it alone is too big
            conn.execute("DELETE FROM batches WHERE id = ?", (row[0],))
            evicted += int(row[1])
            total -= int(row[2])
        return evicted

    def _transaction(self) -> _Transaction:
        return _Transaction(self._connection())

    def _connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None and getattr(self._local, "pid", None) == os.getpid():
            return conn
        import sqlite3  # only once something is spooled: `import spanscope` stays light

        self.directory.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(
            self.path,
            timeout=_BUSY_TIMEOUT_MS / 1000,
            isolation_level=None,
            check_same_thread=False,
        )
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.executescript(_SCHEMA)
        self._local.conn = conn
        self._local.pid = os.getpid()
        with self._lock:
            self._connections.append(conn)
        return conn


def _gone(owner: str | None) -> bool:
    """Whether the process holding a lease has exited (killed mid-send, say)."""
    if owner is None:
        return True
    pid_text = owner.partition(":")[0]
    if not pid_text.isdigit() or int(pid_text) == os.getpid():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return True
    except OSError:  # alive, but another user's
        return False
    return False


class _Transaction:
    """`with`: BEGIN IMMEDIATE ... COMMIT (ROLLBACK on error) on one connection."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> sqlite3.Connection:
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, kind: object, exc: object, traceback: object) -> None:
        self.conn.execute("ROLLBACK" if exc is not None else "COMMIT")
