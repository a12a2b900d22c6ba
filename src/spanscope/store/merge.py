"""Merging spans into traces, the same for every backend.

Spans reach a store as whole traces (the SDK) or piecemeal (OTLP ingest, a trace continued in
another process). Whatever the backend, a trace's row is derived from all of its spans known
so far, keeping the tags and metadata stored before; writes are idempotent on
(trace_id, span_id). A backend stores and loads; the decisions are made here.

A trace's state, name, previews and duration come from its root, or, while no span without a
parent is known, from its local roots: the spans whose parent is not among its spans (the top
span of a downstream service, OpenTelemetry spans whose parent was never sent, children that
arrived first). See `spanscope.entities.derivation.trace_roots`.

A trace belongs to one experiment, the one it was first stored in: spans of it sent for another
experiment are refused (`TraceExperimentConflictError`), never moved and never merged into the
first one; `experiment_conflicts` finds them.
"""

from __future__ import annotations

import dataclasses
import operator
from collections.abc import Callable, Iterable, Mapping, Sequence

from spanscope.entities.derivation import compute_trace_info
from spanscope.entities.span import Span
from spanscope.entities.trace import Trace, TraceData
from spanscope.entities.trace_info import TraceInfo
from spanscope.exceptions import AlreadyExistsError
from spanscope.pricing import price_spans, trace_cost

__all__ = [
    "TraceExperimentConflictError",
    "add_new_spans",
    "check_experiments",
    "continued_spans",
    "covers",
    "derive_trace_info",
    "describe_conflicts",
    "experiment_conflicts",
    "group_by_experiment",
    "priced",
    "remote_parent",
    "split_batch",
    "unique_spans",
]

# How many conflicting traces a message names (a batch may hold thousands).
_NAMED_CONFLICTS = 5


class TraceExperimentConflictError(AlreadyExistsError):
    """Spans of traces that belong to another experiment than the one they were sent for.

    Nothing of the call was stored. `conflicts` maps each such trace id to `(the experiment it
    belongs to, the experiment it was sent for)`. A server answers it with 409 (REST) or an
    OTLP partial success rejecting those traces' spans.
    """

    def __init__(self, conflicts: Mapping[str, tuple[str, str]]) -> None:
        self.conflicts = dict(conflicts)
        super().__init__(describe_conflicts(self.conflicts))


def describe_conflicts(
    conflicts: Mapping[str, tuple[str, str]], label: Callable[[str], str] = repr
) -> str:
    """What a conflict error says: the first few trace ids with both experiments (each shown
    by `label`)."""
    named = [
        f"trace {trace_id} belongs to experiment {label(stored)}, not {label(sent)}"
        for trace_id, (stored, sent) in list(conflicts.items())[:_NAMED_CONFLICTS]
    ]
    more = len(conflicts) - len(named)
    if more:
        named.append(f"and {more} more trace(s)")
    return (
        "; ".join(named) + ": a trace stays in the experiment it was first stored in, and "
        "nothing of these traces was stored (send them for that experiment, or under new "
        "trace ids)"
    )


def experiment_conflicts(
    sent: Iterable[tuple[str, str]], stored: Mapping[str, str]
) -> dict[str, tuple[str, str]]:
    """The traces `sent` (trace id, experiment id pairs, in the order they would be stored)
    for another experiment than the one they belong to: the one `stored` says, else the first
    one this call names for them. By trace id: (that experiment, the other)."""
    owners = dict(stored)
    conflicts: dict[str, tuple[str, str]] = {}
    for trace_id, experiment_id in sent:
        owner = owners.setdefault(trace_id, experiment_id)
        if owner != experiment_id and trace_id not in conflicts:
            conflicts[trace_id] = (owner, experiment_id)
    return conflicts


def check_experiments(sent: Iterable[tuple[str, str]], stored: Mapping[str, str]) -> None:
    """Raise TraceExperimentConflictError if any trace is sent for another experiment than
    its own (see `experiment_conflicts`); call it before writing anything."""
    conflicts = experiment_conflicts(sent, stored)
    if conflicts:
        raise TraceExperimentConflictError(conflicts)


def remote_parent(trace: Trace) -> str | None:
    """The parent id of the trace's local root: set when the trace came from another process."""
    root = trace.data.root
    return None if root is None else root.parent_id


def split_batch(batch: Iterable[Trace]) -> tuple[dict[str, Trace], dict[str, list[Trace]]]:
    """Whole traces by trace id, and traces continued from another process by experiment id
    (those are merged with what is stored of them)."""
    whole: dict[str, Trace] = {}
    continued: list[Trace] = []
    for trace in batch:
        if remote_parent(trace) is None:
            whole[trace.info.trace_id] = trace
        else:
            continued.append(trace)
    return whole, group_by_experiment(continued)


def group_by_experiment(traces: Iterable[Trace]) -> dict[str, list[Trace]]:
    grouped: dict[str, list[Trace]] = {}
    for trace in traces:
        grouped.setdefault(trace.info.experiment_id, []).append(trace)
    return grouped


def covers(trace: Trace, stored_span_ids: Iterable[str]) -> bool:
    """Whether a whole trace holds every span stored of it: then writing it replaces what is
    stored (a rewrite); otherwise the stored spans are another process's part (a
    continuation stored first) and the trace is merged with them."""
    own = {span.span_id for span in trace.data.spans}
    return all(span_id in own for span_id in stored_span_ids)


def continued_spans(group: Sequence[Trace]) -> tuple[list[Span], dict[str, TraceInfo]]:
    """The spans of continued traces, and each trace's own info (its tags and metadata)."""
    return [s for t in group for s in t.data.spans], {t.info.trace_id: t.info for t in group}


def unique_spans(spans: Iterable[Span]) -> list[Span]:
    """Spans keyed (trace_id, span_id), the last of each key kept (as an upsert would)."""
    return list({(s.trace_id, s.span_id): s for s in spans}.values())


def add_new_spans(
    by_trace: dict[str, list[Span]], new_spans: Iterable[Span], stored: Iterable[str]
) -> dict[str, list[Span]]:
    """Add `new_spans` of traces not `stored` before to `by_trace` (the spans loaded from the
    store, which already hold the new spans of stored traces: they are written first)."""
    known = set(stored)
    for span in unique_spans(new_spans):
        if span.trace_id not in known:
            by_trace.setdefault(span.trace_id, []).append(span)
    return by_trace


def derive_trace_info(
    experiment_id: str,
    trace_id: str,
    trace_spans: list[Span],
    previous: TraceInfo | None,
    extra: TraceInfo | None = None,
    extra_metadata: Mapping[str, str] | None = None,
) -> TraceInfo:
    """The trace row derived from all of a trace's spans, keeping its stored tags and metadata
    (`previous`), then those of the continued trace (`extra`) and of the ingest request.

    State, name, previews and duration come from the root, else from the local roots, so a
    trace whose top span has a remote parent completes as soon as that span has ended.
    """
    metadata = dict(previous.metadata) if previous else {}
    tags = dict(previous.tags) if previous else {}
    if extra is not None:
        metadata.update(extra.metadata)
        tags.update(extra.tags)
    if extra_metadata:
        metadata.update(extra_metadata)
    client_request_id = (previous.client_request_id if previous else None) or (
        extra.client_request_id if extra else None
    )
    info = compute_trace_info(
        trace_id,
        previous.experiment_id if previous else str(experiment_id),
        trace_spans,
        metadata=metadata,
        tags=tags,
        client_request_id=client_request_id,
    )
    info.cost = trace_cost(trace_spans)
    return info


def priced(trace: Trace) -> Trace:
    """The trace with its LLM spans priced by the price book and its cost rolled up (a store
    prices what it stores, whoever sent it; see docs/cost.md)."""
    spans = price_spans(trace.data.spans)
    cost = trace_cost(spans)
    if cost is None and trace.info.cost is None and all(map(operator.is_, spans, trace.spans)):
        return trace  # nothing to price (most traces): no copies
    info = dataclasses.replace(trace.info, cost=cost)
    return Trace(info, TraceData(spans))
