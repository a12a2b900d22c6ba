"""An exporter that appends each trace as one JSON line to a file."""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path

from spanscope.entities.trace import Trace
from spanscope.tracing.export.base import TraceExporter

__all__ = ["JsonLinesTraceExporter", "read_json_lines"]


class JsonLinesTraceExporter(TraceExporter):
    """Appends `Trace.to_json()` lines to `path`; one write and fsync per batch."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()

    def export(self, traces: Sequence[Trace]) -> None:
        text = "".join(trace.to_json() + "\n" for trace in traces)
        with self._lock, open(self.path, "a", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())


def read_json_lines(path: str | os.PathLike[str]) -> list[Trace]:
    """The traces a JsonLinesTraceExporter wrote to `path`."""
    with open(path, encoding="utf-8") as src:
        return [Trace.from_json(line) for line in src if line.strip()]
