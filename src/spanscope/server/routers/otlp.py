"""POST /v1/traces: OpenTelemetry OTLP/HTTP ingest (protobuf or JSON, optionally gzip).

A trace belongs to the experiment it was first stored in. Spans of a trace that belongs to
another experiment than the one a request sends them for are not stored: the answer is an OTLP
partial success (`rejected_spans`, and an `error_message` naming the traces and both
experiments), and every other span of the request is stored.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, Header, Request, Response
from starlette.concurrency import run_in_threadpool

from spanscope.constants import (
    CLIENT_LOSSES_HEADER,
    DEFAULT_EXPERIMENT_ID,
    OTLP_TRACES_PATH,
    ExperimentHeader,
)
from spanscope.entities.span import Span
from spanscope.exceptions import AlreadyExistsError, NotFoundError
from spanscope.server.losses import record_losses
from spanscope.server.responses import ERROR_RESPONSES
from spanscope.server.routers.deps import get_store
from spanscope.server.schemas import ErrorBody
from spanscope.store.base import TraceStore
from spanscope.store.merge import TraceExperimentConflictError, describe_conflicts

if TYPE_CHECKING:
    from spanscope.otel.ingest import IngestedSpan

router = APIRouter(tags=["otlp"])
logger = logging.getLogger("spanscope.server")

PROTOBUF = "application/x-protobuf"
JSON = "application/json"
_PARTIAL_SUCCESS = {
    "type": "object",
    "description": "OTLP ExportTraceServiceResponse: empty ({}) when every span was stored",
    "properties": {
        "partialSuccess": {
            "type": "object",
            "properties": {
                "rejectedSpans": {"type": "string", "description": "int64, as OTLP/JSON"},
                "errorMessage": {"type": "string"},
            },
        }
    },
}


# What the OTLP ingest routes (traces, logs) document: their body and their errors.
OTLP_REQUEST_BODY: dict[str, Any] = {
    "requestBody": {
        "content": {
            PROTOBUF: {"schema": {"type": "string", "format": "binary"}},
            JSON: {"schema": {"type": "object"}},
        },
        "required": True,
    }
}
OTLP_ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    **ERROR_RESPONSES,
    400: {"model": ErrorBody, "description": "Malformed OTLP body (the reason says where)"},
    404: {"model": ErrorBody, "description": f"Unknown experiment id in {ExperimentHeader.ID}"},
    415: {
        "model": ErrorBody,
        "description": "Content type other than protobuf or JSON, or an unsupported "
        "Content-Encoding",
    },
}


@router.post(
    OTLP_TRACES_PATH,
    summary="OTLP/HTTP trace ingest",
    openapi_extra=OTLP_REQUEST_BODY,
    responses={
        200: {
            "description": "Stored. Spans of traces that belong to another experiment than "
            "the one they were sent for are rejected, the others stored: `partial_success` "
            "then says how many (`rejected_spans`) and which traces (`error_message`)",
            "content": {
                PROTOBUF: {"schema": {"type": "string", "format": "binary"}},
                JSON: {"schema": _PARTIAL_SUCCESS},
            },
        },
        **OTLP_ERROR_RESPONSES,
    },
)
async def ingest(
    request: Request,
    store: Annotated[TraceStore, Depends(get_store)],
    experiment_id: Annotated[str | None, Header(alias=ExperimentHeader.ID)] = None,
    experiment_name: Annotated[str | None, Header(alias=ExperimentHeader.NAME)] = None,
) -> Response:
    """Spans of one trace may arrive across requests; writes are idempotent. Spans of a trace
    that belongs to another experiment are rejected (an OTLP partial success), the rest stored."""
    # RequestBodyMiddleware refused other content types (415) and decompressed the body.
    content_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    body = await request.body()
    settings = request.app.state.settings
    # Decoding and storing are blocking work: off the event loop, so other requests go on.
    rejected, message = await run_in_threadpool(
        _store_request,
        store,
        body,
        content_type,
        settings.max_body_bytes,
        experiment_id,
        experiment_name,
        request.headers.get(CLIENT_LOSSES_HEADER),
        experiment_names(request),
    )
    if not rejected:  # an empty ExportTraceServiceResponse: nothing to report
        if content_type != JSON:
            return Response(b"", media_type=PROTOBUF)
        return Response(b"{}", media_type=JSON)
    logger.warning("%s %s: %s", request.method, request.url.path, message)
    return _partial_success(rejected, message, content_type)


def _partial_success(rejected: int, message: str, content_type: str) -> Response:
    from google.protobuf import json_format

    from spanscope.otel.values import ExportTraceServiceResponse

    answer = ExportTraceServiceResponse()
    answer.partial_success.rejected_spans = rejected
    answer.partial_success.error_message = message
    if content_type != JSON:
        return Response(answer.SerializeToString(), media_type=PROTOBUF)
    return Response(json_format.MessageToJson(answer, indent=None), media_type=JSON)


def _store_request(
    store: TraceStore,
    body: bytes,
    content_type: str,
    max_bytes: int,
    experiment_id: str | None,
    experiment_name: str | None,
    losses: str | None = None,
    names: ExperimentNames | None = None,
) -> tuple[int, str]:
    """Store the request's spans; returns how many were rejected, and why."""
    from spanscope.otel.decode import decode_request
    from spanscope.otel.ingest import spans_from_request

    ingested = spans_from_request(decode_request(body, content_type, None, max_bytes))
    if experiment_id and not ingested:  # nothing to store: still 404 for an unknown id
        store.get_experiment(experiment_id)
    names = names or ExperimentNames()
    groups: dict[_Target, list[Span]] = defaultdict(list)
    metadata: dict[str, dict[str, str]] = defaultdict(dict)
    tags: dict[str, dict[str, str]] = defaultdict(dict)
    for item in ingested:
        groups[_target(experiment_id, experiment_name, item)].append(item.span)
        if item.trace_metadata:
            metadata[item.span.trace_id].update(item.trace_metadata)
        if item.trace_tags:
            tags[item.span.trace_id].update(item.trace_tags)
    conflicts: dict[str, tuple[str, str]] = {}
    rejected = 0
    first: str | None = None
    for target, spans in groups.items():
        written, left_out = _write_group(store, names, target, spans, metadata, conflicts)
        first = first or written
        rejected += left_out
    # Tags a spanscope root span carried (its exporter's): set once the trace exists.
    for trace_id, trace_tags in tags.items():
        if trace_id not in conflicts:
            for key, value in trace_tags.items():
                store.set_trace_tag(trace_id, key, value)
    if losses is not None and first is not None:
        record_losses(store, first, losses)
    if not rejected:
        return 0, ""
    return rejected, _rejection_message(store, rejected, conflicts)


# Where a span goes: ("id", an experiment id that must exist: the header's), ("name", an
# experiment name, created on first use), ("resource", a resource's experiment id, the default
# experiment's spans if it does not exist) or ("default", its id).
_Target = tuple[str, str]


def _target(header_id: str | None, header_name: str | None, item: IngestedSpan) -> _Target:
    """A request header wins over the resource's attributes, an id over a name."""
    if header_id:
        return ("id", header_id)
    if header_name:
        return ("name", header_name)
    if item.experiment_id:
        return ("resource", item.experiment_id)
    if item.experiment_name:
        return ("name", item.experiment_name)
    return ("default", DEFAULT_EXPERIMENT_ID)


def _write_group(
    store: TraceStore,
    names: ExperimentNames,
    target: _Target,
    spans: Sequence[Span],
    metadata: Mapping[str, Mapping[str, str]],
    conflicts: dict[str, tuple[str, str]],
) -> tuple[str, int]:
    """Store spans for `target` (the store checks the experiment exists, so no read comes
    first); returns the experiment they went to and how many were left out."""
    kind, key = target
    experiment = names.resolve(store, key) if kind == "name" else key
    try:
        return experiment, _log_spans(store, experiment, spans, metadata, conflicts)
    except NotFoundError:
        if kind == "name":  # deleted since its id was resolved: resolve it afresh
            names.forget(key)
            experiment = names.resolve(store, key)
        elif kind == "resource":  # an unknown experiment id in a resource is ignored
            experiment = DEFAULT_EXPERIMENT_ID
        else:
            raise
    return experiment, _log_spans(store, experiment, spans, metadata, conflicts)


def _log_spans(
    store: TraceStore,
    experiment_id: str,
    spans: Sequence[Span],
    metadata: Mapping[str, Mapping[str, str]],
    conflicts: dict[str, tuple[str, str]],
) -> int:
    """Store `spans` but those of traces that belong to another experiment (added to
    `conflicts`); returns how many were left out."""
    left_out = 0
    while spans:
        try:
            store.log_spans(experiment_id, spans, metadata)
        except TraceExperimentConflictError as exc:
            # Nothing of the call was stored: again without those traces. Each round leaves
            # out at least one trace (another request may have stored one meanwhile).
            kept = [s for s in spans if s.trace_id not in exc.conflicts]
            if len(kept) == len(spans):
                raise
            conflicts.update(exc.conflicts)
            left_out += len(spans) - len(kept)
            spans = kept
        else:
            break
    return left_out


def _rejection_message(
    store: TraceStore, rejected: int, conflicts: Mapping[str, tuple[str, str]]
) -> str:
    names: dict[str, str] = {}

    def label(experiment_id: str) -> str:
        if experiment_id not in names:
            try:
                name = store.get_experiment(experiment_id).name
            except NotFoundError:  # deleted meanwhile
                names[experiment_id] = repr(experiment_id)
            else:
                names[experiment_id] = f"{experiment_id!r} ({name!r})"
        return names[experiment_id]

    return f"rejected {rejected} span(s) of {len(conflicts)} trace(s): " + describe_conflicts(
        conflicts, label
    )


class ExperimentNames:
    """The experiment ids ingest found for experiment names lately, creating experiments on
    first use.

    Reading an experiment from the store also counts its traces, too slow to do for every
    request: an id found for a name is used for `ttl_s` seconds. A write to an experiment
    deleted meanwhile resolves its name afresh (`forget`); this server's own renames and
    deletes clear them all (`clear`), another worker's are seen within `ttl_s`.
    """

    def __init__(self, ttl_s: float = 10.0, max_names: int = 1024) -> None:
        self.ttl_s = ttl_s
        self.max_names = max_names
        self._found: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()

    def resolve(self, store: TraceStore, name: str) -> str:
        now = time.monotonic()
        with self._lock:
            found = self._found.get(name)
        if found is not None and now - found[1] < self.ttl_s:
            return found[0]
        experiment_id = _get_or_create(store, name)
        with self._lock:
            if len(self._found) >= self.max_names:
                self._found.clear()
            self._found[name] = (experiment_id, now)
        return experiment_id

    def forget(self, name: str) -> None:
        with self._lock:
            self._found.pop(name, None)

    def clear(self) -> None:
        with self._lock:
            self._found.clear()


def routed_experiment(
    store: TraceStore,
    names: ExperimentNames,
    header_id: str | None,
    header_name: str | None,
    resources: Iterable[tuple[str | None, str | None]],
) -> str:
    """The experiment a request is routed to as /v1/traces routes it: a header's (an unknown
    id is a NotFoundError), else the first resource's (id, name) that names one, else the
    default experiment."""
    if header_id:
        return store.get_experiment(header_id).experiment_id
    if header_name:
        return names.resolve(store, header_name)
    for resource_id, resource_name in resources:
        if resource_id:
            try:
                return store.get_experiment(resource_id).experiment_id
            except NotFoundError:
                continue
        if resource_name:
            return names.resolve(store, resource_name)
    return DEFAULT_EXPERIMENT_ID


def experiment_names(request: Request) -> ExperimentNames:
    """The app's ExperimentNames, made on first use."""
    state = request.app.state
    names = getattr(state, "otlp_experiment_names", None)
    if not isinstance(names, ExperimentNames):
        names = state.otlp_experiment_names = ExperimentNames()
    return names


def _get_or_create(store: TraceStore, name: str) -> str:
    found = store.get_experiment_by_name(name)
    if found is not None:
        return found.experiment_id
    with contextlib.suppress(AlreadyExistsError):  # another request created it meanwhile
        return store.create_experiment(name)
    found = store.get_experiment_by_name(name)
    if found is None:
        raise NotFoundError(f"experiment {name!r} could not be created")
    return found.experiment_id
