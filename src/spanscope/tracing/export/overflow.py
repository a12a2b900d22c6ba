"""The export queue's overflow: finished traces the export thread cannot send yet, on disk.

When the application makes traces faster than they can be exported, the queue keeps a few
MiB of them in memory (`SPANSCOPE_EXPORT_QUEUE_MEMORY_BYTES`) and a helper thread moves the
oldest of the rest here as records (`trace_builder.trace_record`, pickled: about 100 bytes a
small span). Writing a record costs a fraction of exporting it, so the helper keeps up with a
burst and memory stays flat; the export thread takes the records back, oldest first, as it
gets to them.

The file is anonymous (unlinked at once, in the spool's folder), so nothing is left behind
when the process ends; what it holds at exit is delivered within the exit budget or moved to
the spool, like the rest of the queue. It holds up to the spool's own bound
(`SPANSCOPE_SPOOL_MAX_BYTES`); past it traces stay in memory, up to the queue's hard bound. If
the disk refuses a chunk, chunks are kept in memory (pickled, still compact) from then on, with
a warning.
"""

from __future__ import annotations

import os
import pickle
import tempfile
import threading
from collections import deque
from pathlib import Path

from spanscope.safety import logger
from spanscope.tracing.trace_builder import TraceRecord

__all__ = ["Overflow"]


class Overflow:
    """A FIFO of chunks of trace records in an anonymous file; safe across threads."""

    def __init__(self, directory: Path, max_bytes: int) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        # Open for the queue's life; `close` closes it.
        self._file = tempfile.TemporaryFile(dir=directory, prefix="overflow-")  # noqa: SIM115
        self._lock = threading.Lock()
        self._write_at = 0
        self._read_at = 0
        # (traces, bytes in the file, or the payload itself once the disk refused one)
        self._chunks: deque[tuple[int, int | bytes]] = deque()
        self._on_disk = True
        self._max_bytes = max_bytes
        self._bytes = 0
        self.traces = 0

    def full(self) -> bool:
        return self._bytes >= self._max_bytes

    def append(self, records: list[TraceRecord]) -> None:
        payload = pickle.dumps(records, protocol=pickle.HIGHEST_PROTOCOL)
        with self._lock:
            chunk: int | bytes = payload
            if self._on_disk:
                try:
                    written = os.pwrite(self._file.fileno(), payload, self._write_at)
                    if written != len(payload):
                        raise OSError(f"short write ({written} of {len(payload)} bytes)")
                except OSError as exc:
                    self._on_disk = False
                    logger.warning(
                        "spanscope: the disk refused the export queue's overflow file (%s); "
                        "its chunks are kept in memory from now on",
                        exc,
                    )
                else:
                    self._write_at += written
                    chunk = written
            self._chunks.append((len(records), chunk))
            self.traces += len(records)
            self._bytes += len(payload)

    def take(self) -> list[TraceRecord] | None:
        """The oldest chunk, removed; None when empty."""
        with self._lock:
            if not self._chunks:
                return None
            count, chunk = self._chunks.popleft()
            if isinstance(chunk, int):
                payload = os.pread(self._file.fileno(), chunk, self._read_at)
                self._read_at += chunk
            else:
                payload = chunk
            self.traces -= count
            self._bytes -= len(payload)
            if not self._chunks and self._on_disk:  # empty: start over, freeing the disk
                self._file.truncate(0)
                self._read_at = self._write_at = 0
        records: list[TraceRecord] = pickle.loads(payload)
        return records

    def close(self) -> None:
        with self._lock:
            self._file.close()
            self._chunks.clear()
            self.traces = self._bytes = 0
