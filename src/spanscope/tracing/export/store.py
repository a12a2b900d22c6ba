"""The exporter that writes traces to the store of the tracking URI.

It can spool (see `tracing/export/delivery.py`): a server's store gets each batch through the
spool (written first, deleted once the server has it); a local store gets it directly, and
only a batch it cannot take now (database down, disk full) is spooled.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence

import orjson

from spanscope.entities.trace import Trace
from spanscope.exceptions import InvalidArgumentError, StorageUnavailableError
from spanscope.store.uri import get_store, get_tracking_uri, opened_store
from spanscope.tracing.export.base import TraceExporter

__all__ = ["StoreExporter", "decode_batch", "encode_batch"]

_PREFIX = "store:"
# A part of a running trace is a view: a server that does not take it soon is not waited for.
_LIVE_TIMEOUT_S = 1.0


def encode_batch(traces: Sequence[Trace]) -> bytes:
    """A batch as the body `POST /api/v1/traces` takes: gzip'd JSON `{"traces": [...]}`."""
    import gzip  # only when a batch is spooled or sent to a server

    payload = orjson.dumps({"traces": [trace.to_dict() for trace in traces]})
    return gzip.compress(payload, compresslevel=5)


def decode_batch(payload: bytes) -> list[Trace]:
    import gzip

    return [Trace.from_dict(t) for t in orjson.loads(gzip.decompress(payload))["traces"]]


class StoreExporter(TraceExporter):
    """Writes each batch in one transaction per experiment, to `uri` or the tracking URI."""

    def __init__(self, uri: str | None = None) -> None:
        self.uri = uri

    def export(self, traces: Sequence[Trace]) -> None:
        _write(self.uri, traces)

    def release_memory(self) -> None:
        """After a burst: the store, if open, gives back what it caches (its SQLite page
        caches). A store that cannot be reached now holds nothing worth giving back."""
        store = opened_store(self.uri)
        if store is not None:
            with contextlib.suppress(StorageUnavailableError):
                store.release_memory()

    def export_live(self, parts: Sequence[Trace]) -> None:
        """Write parts of running traces (tracing/export/live.py); never spooled."""
        uri = self.uri or get_tracking_uri()
        post = getattr(get_store(uri), "post_encoded_traces", None)
        if post is not None:
            post(encode_batch(parts), _LIVE_TIMEOUT_S)
        else:
            _write(uri, parts)

    # SpoolingExporter

    def destination(self) -> str:
        return _PREFIX + (self.uri or get_tracking_uri())

    def write_ahead(self) -> bool:
        return (self.uri or get_tracking_uri()).startswith(("http://", "https://"))

    def encode(self, traces: Sequence[Trace]) -> bytes:
        return encode_batch(traces)

    def deliver(
        self,
        destination: str,
        payload: bytes,
        timeout_s: float,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        if not destination.startswith(_PREFIX):
            raise InvalidArgumentError(f"not a store destination: {destination!r}")
        uri = destination[len(_PREFIX) :]
        store = get_store(uri)
        post = getattr(store, "post_encoded_traces", None)
        if post is not None:  # a server: the body goes as it is
            post(payload, timeout_s, headers)
        else:
            _write(uri, decode_batch(payload))

    def __repr__(self) -> str:
        return f"StoreExporter({self.uri or 'tracking URI'})"


def _write(uri: str | None, traces: Sequence[Trace]) -> None:
    store = get_store(uri)
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
