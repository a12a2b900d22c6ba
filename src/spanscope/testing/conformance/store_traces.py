"""Traces for the store conformance suite, made by the real SDK, and helpers to read a store."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import spanscope
from spanscope.entities import (
    Trace,
)
from spanscope.store.base import PagedList, TraceStore
from spanscope.testing import capture_traces

__all__ = [
    "DEFAULT",
    "EVERYTHING",
    "UNKNOWN_TRACE_ID",
    "all_pages",
    "clear_store",
    "continued_trace",
    "make_trace",
    "service_called_twice",
    "spans_by_id",
    "ids_of",
]

DEFAULT = "0"
UNKNOWN_TRACE_ID = "f" * 32
EVERYTHING = 10**12  # max_traces that deletes every trace of an experiment


# -- traces made by the real SDK ----------------------------------------------------------------


def make_trace(
    experiment_id: str = DEFAULT,
    question: str = "where is my refund?",
    *,
    tags: dict[str, str] | None = None,
    session_id: str | None = None,
    user_id: str | None = None,
    fail: bool = False,
    tokens: tuple[int, int] | None = (10, 5),
    tool: str = "lookup_order",
    request_time: int | None = None,
    duration: int | None = None,
) -> Trace:
    """An AGENT root with a RETRIEVER, a CHAT_MODEL span (token usage) and a TOOL span.

    `fail` makes the tool raise (the tool and the root end in ERROR, with an exception event);
    `request_time` / `duration` (ms) override what the SDK measured.
    """

    @spanscope.trace(name="support_bot", span_type="AGENT")
    def bot(q: str) -> str:
        spanscope.update_current_trace(tags=tags, session_id=session_id, user_id=user_id)
        with spanscope.start_span("retrieve", span_type="RETRIEVER") as span:
            span.set_inputs({"query": q})
            span.set_outputs([{"page_content": "Refunds take 5 days", "metadata": {}, "id": "1"}])
        with spanscope.start_span("chat", span_type="CHAT_MODEL") as span:
            span.set_attribute("gen_ai.request.model", "gpt-test")
            if tokens is not None:
                span.set_attributes(
                    {
                        "gen_ai.usage.input_tokens": tokens[0],
                        "gen_ai.usage.output_tokens": tokens[1],
                    }
                )
            span.set_outputs("Refunds take 5 days")
        with spanscope.start_span(tool, span_type="TOOL") as span:
            span.set_inputs({"order": "A-1"})
            if fail:
                raise RuntimeError("tool exploded")
        return "Your refund is on its way"

    with capture_traces() as captured, contextlib.suppress(RuntimeError):
        bot(question)
    trace = captured.single()
    trace.info.experiment_id = experiment_id
    if request_time is not None:
        trace.info.request_time = request_time
    if duration is not None:
        trace.info.execution_duration = duration
    return trace


def continued_trace(experiment_id: str = DEFAULT) -> tuple[Trace, Trace]:
    """One trace made by two processes: `(origin, continuation)`, sharing a trace id.

    The origin's root `client_request` calls a service; the service continues the trace from
    the `traceparent` header, so the continuation's local root `server_handler` has the
    origin's root as its (remote) parent. The continuation sets a tag and the user id.
    """
    with capture_traces() as captured:
        with spanscope.start_span("client_request", span_type="CHAIN") as root:
            root.set_inputs({"question": "alpha question"})
            spanscope.update_current_trace(tags={"side": "client"}, session_id="s-cont")
            headers = spanscope.tracing.inject_trace_headers({})
            with spanscope.tracing.continue_trace(headers):  # as the service process would
                with spanscope.start_span("server_handler", span_type="AGENT") as handler:
                    handler.set_inputs({"payload": "zebra payload"})
                    spanscope.update_current_trace(tags={"served_by": "api"}, user_id="u-cont")
                    with spanscope.start_span("database", span_type="RETRIEVER") as db:
                        db.set_outputs("row 1")
            root.set_outputs("client done")
    by_root = {t.data.spans[0].name: t for t in captured.traces}
    origin, continuation = by_root["client_request"], by_root["server_handler"]
    for trace in (origin, continuation):
        trace.info.experiment_id = experiment_id
    return origin, continuation


def service_called_twice(experiment_id: str = DEFAULT) -> tuple[Trace, Trace, Trace]:
    """One trace made by a client calling a service twice: `(origin, first, second)`.

    The origin's root `client_request` calls the service twice; each call continues the trace
    from the same `traceparent` header, so `first` (local root `handle_first`) and `second`
    (`handle_second`, which fails: ERROR, caught by the client) both have the origin's root as
    their remote parent. The origin's root ends OK.
    """
    with capture_traces() as captured:
        with spanscope.start_span("client_request", span_type="CHAIN") as root:
            root.set_inputs({"question": "two calls"})
            headers = spanscope.tracing.inject_trace_headers({})
            for call in ("first", "second"):
                with (
                    contextlib.suppress(RuntimeError),
                    spanscope.tracing.continue_trace(headers),  # as the service process would
                    spanscope.start_span(f"handle_{call}", span_type="AGENT") as handler,
                ):
                    handler.set_inputs({"call": f"{call} call"})
                    with spanscope.start_span(f"query_{call}", span_type="RETRIEVER") as db:
                        db.set_outputs(f"{call} rows")
                    if call == "second":
                        raise RuntimeError("service failed")
                    handler.set_outputs(f"{call} answer")
            root.set_outputs("client done")
    by_root = {t.data.spans[0].name: t for t in captured.traces}
    found = by_root["client_request"], by_root["handle_first"], by_root["handle_second"]
    for trace in found:
        trace.info.experiment_id = experiment_id
    return found


def clear_store(store: TraceStore) -> None:
    """Delete every trace, dataset and evaluation run, and every experiment but the default
    one, with public methods only."""
    for experiment in all_pages(lambda token: store.search_experiments(page_token=token)):
        if experiment.experiment_id != DEFAULT:
            store.delete_experiment(experiment.experiment_id)
    store.delete_traces(DEFAULT, max_traces=EVERYTHING)
    for run in all_pages(lambda token: store.search_evaluation_runs(DEFAULT, page_token=token)):
        store.delete_evaluation_run(run.run_id)
    for dataset in all_pages(lambda token: store.search_datasets(page_token=token)):
        store.delete_dataset(dataset.dataset_id)


def all_pages(fetch: Callable[[str | None], PagedList[Any]], limit: int = 1000) -> list[Any]:
    """Every item of a paged search, following next_page_token to the end."""
    found: list[Any] = []
    token: str | None = None
    for _ in range(limit):
        page = fetch(token)
        found.extend(page)
        token = page.next_page_token
        if token is None:
            return found
    raise AssertionError(f"paging did not end after {limit} pages")


def ids_of(traces: list[Trace]) -> list[str]:
    return [t.info.trace_id for t in traces]


def spans_by_id(trace: Trace) -> dict[str, dict[str, Any]]:
    return {s.span_id: s.to_dict() for s in trace.data.spans}
