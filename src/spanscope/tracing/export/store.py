"""The exporter that writes traces to the store of the tracking URI."""

from __future__ import annotations

from collections.abc import Sequence

from spanscope.entities.trace import Trace
from spanscope.store.uri import get_store
from spanscope.tracing.export.base import TraceExporter

__all__ = ["StoreExporter"]


class StoreExporter(TraceExporter):
    """Writes each batch in one transaction per experiment, to `uri` or the tracking URI."""

    def __init__(self, uri: str | None = None) -> None:
        self.uri = uri

    def export(self, traces: Sequence[Trace]) -> None:
        store = get_store(self.uri)
        by_experiment: dict[str, list[Trace]] = {}
        for trace in traces:
            by_experiment.setdefault(trace.info.experiment_id, []).append(trace)
        failed = 0
        error: Exception | None = None
        for group in by_experiment.values():
            try:
                store.write_traces(group)
            except Exception as exc:  # one experiment's failure must not drop the others
                failed += len(group)
                error = exc
        if error is not None:
            error.failed_count = failed  # type: ignore[attr-defined]
            raise error

    def __repr__(self) -> str:
        return f"StoreExporter({self.uri or 'tracking URI'})"
