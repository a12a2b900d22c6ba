"""RestTraceStore: the TraceStore of a spanscope server, over its REST API.

Calls are retried with exponential backoff and jitter (honouring Retry-After) on 429, any 5xx
and connection errors; writes are gzip'd and idempotent on the server, so a retry never
duplicates. A call that still fails for one of those reasons raises StorageUnavailableError
(the exporter then keeps the batch in the spool).
"""

from __future__ import annotations

import gzip
import os
import random
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import httpx
import orjson

from spanscope.constants import ENV_TRACKING_TOKEN
from spanscope.entities.assessment import Assessment, AssessmentError, AssessmentSummary
from spanscope.entities.client_losses import ClientLosses
from spanscope.entities.experiment import Experiment
from spanscope.entities.metrics import MetricsSeries, check_metrics_request
from spanscope.entities.session import Session
from spanscope.entities.span import Span
from spanscope.entities.trace import Trace
from spanscope.exceptions import (
    AlreadyExistsError,
    InvalidArgumentError,
    InvalidFilterError,
    NotFoundError,
    SpanscopeError,
    StorageUnavailableError,
)
from spanscope.store.base import PagedList, TraceStore, all_pages
from spanscope.store.rest_evaluation import WRITE_CHUNK, RestEvaluation, quoted

__all__ = ["RestTraceStore"]

_RETRY_STATUS = frozenset({429, 500, 502, 503, 504})


class RestTraceStore(RestEvaluation, TraceStore):
    """A spanscope server at `base_url` (http or https)."""

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        timeout_s: float = 30.0,
        max_retries: int = 6,
        backoff_s: float = 0.5,
        max_backoff_s: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        token = token if token is not None else os.environ.get(ENV_TRACKING_TOKEN)
        headers = {"user-agent": "spanscope-python"}
        if token:
            headers["authorization"] = f"Bearer {token}"
        self._client = httpx.Client(base_url=self.base_url, headers=headers, timeout=timeout_s)
        self._timeout = timeout_s
        self.max_retries = max_retries
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self._sleep = sleep

    def close(self) -> None:
        self._client.close()

    # Experiments

    def create_experiment(self, name: str, tags: dict[str, str] | None = None) -> str:
        body = self._call("POST", "/api/v1/experiments", json={"name": name, "tags": tags or {}})
        return str(body["experiment_id"])

    def get_experiment(self, experiment_id: str) -> Experiment:
        return Experiment.from_dict(self._call("GET", f"/api/v1/experiments/{_q(experiment_id)}"))

    def get_experiment_by_name(self, name: str) -> Experiment | None:
        try:
            body = self._call("GET", "/api/v1/experiments/by-name", params={"name": name})
        except NotFoundError:
            return None
        return Experiment.from_dict(body)

    def search_experiments(
        self, name_like: str | None = None, max_results: int = 1000, page_token: str | None = None
    ) -> PagedList[Experiment]:
        params: dict[str, Any] = {"max_results": max_results}
        if name_like is not None:
            params["name_like"] = name_like
        if page_token is not None:
            params["page_token"] = page_token
        body = self._call("GET", "/api/v1/experiments", params=params)
        items = [Experiment.from_dict(e) for e in body["experiments"]]
        return PagedList(items, body.get("next_page_token"))

    def rename_experiment(self, experiment_id: str, new_name: str) -> None:
        self._call("PATCH", f"/api/v1/experiments/{_q(experiment_id)}", json={"name": new_name})

    def delete_experiment(self, experiment_id: str) -> None:
        self._call("DELETE", f"/api/v1/experiments/{_q(experiment_id)}")

    def recompute_costs(self, experiment_ids: Sequence[str] | None = None) -> int:
        if experiment_ids is None:
            experiment_ids = [e.experiment_id for e in self._all_experiments()]
        return sum(
            int(
                self._call("POST", f"/api/v1/experiments/{_q(e)}/costs/recompute", json={})[
                    "changed_traces"
                ]
            )
            for e in experiment_ids
        )

    def _all_experiments(self) -> list[Experiment]:
        return all_pages(lambda token: self.search_experiments(None, 1000, token))

    # Traces

    def write_traces(self, traces: Sequence[Trace]) -> None:
        for start in range(0, len(traces), WRITE_CHUNK):
            chunk = traces[start : start + WRITE_CHUNK]
            payload = orjson.dumps({"traces": [t.to_dict() for t in chunk]})
            self.post_encoded_traces(gzip.compress(payload, compresslevel=5))

    def post_encoded_traces(
        self,
        payload: bytes,
        timeout_s: float | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """POST a gzip'd `{"traces": [...]}` body as it is, retrying for at most `timeout_s`
        seconds (default: the store's own retry schedule), with `headers` added."""
        sent = {"content-type": "application/json", "content-encoding": "gzip", **(headers or {})}
        self._call("POST", "/api/v1/traces", content=payload, headers=sent, budget_s=timeout_s)

    def log_spans(
        self,
        experiment_id: str,
        spans: Sequence[Span],
        trace_metadata: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        raise SpanscopeError(
            "spans are sent to a server as whole traces or through OTLP (POST /v1/traces)"
        )

    def get_trace(self, trace_id: str, include_spans: bool = True) -> Trace:
        params = {"include_spans": "true" if include_spans else "false"}
        return Trace.from_dict(self._call("GET", f"/api/v1/traces/{_q(trace_id)}", params=params))

    def search_traces(
        self,
        experiment_ids: Sequence[str],
        filter_string: str | None = None,
        order_by: Sequence[str] | None = None,
        max_results: int = 100,
        page_token: str | None = None,
        include_spans: bool = False,
    ) -> PagedList[Trace]:
        body = self._call(
            "POST",
            "/api/v1/traces/search",
            json={
                "experiment_ids": [str(e) for e in experiment_ids],
                "filter": filter_string,
                "order_by": list(order_by) if order_by else None,
                "max_results": max_results,
                "page_token": page_token,
                "include_spans": include_spans,
            },
        )
        traces = [Trace.from_dict(t) for t in body["traces"]]
        return PagedList(traces, body.get("next_page_token"))

    def search_spans(
        self,
        experiment_ids: Sequence[str],
        filter_string: str | None = None,
        order_by: Sequence[str] | None = None,
        max_results: int = 100,
        page_token: str | None = None,
    ) -> PagedList[Span]:
        body = self._call(
            "POST",
            "/api/v1/spans/search",
            json={
                "experiment_ids": [str(e) for e in experiment_ids],
                "filter": filter_string,
                "order_by": list(order_by) if order_by else None,
                "max_results": max_results,
                "page_token": page_token,
            },
        )
        return PagedList([Span.from_dict(s) for s in body["spans"]], body.get("next_page_token"))

    def delete_traces(
        self,
        experiment_id: str,
        trace_ids: Sequence[str] | None = None,
        older_than_ms: int | None = None,
        max_traces: int | None = None,
    ) -> int:
        body = self._call(
            "POST",
            "/api/v1/traces/delete",
            json={
                "experiment_id": str(experiment_id),
                "trace_ids": list(trace_ids) if trace_ids is not None else None,
                "older_than_ms": older_than_ms,
                "max_traces": max_traces,
            },
        )
        return int(body["deleted"])

    def set_trace_tag(self, trace_id: str, key: str, value: str) -> None:
        path = f"/api/v1/traces/{_q(trace_id)}/tags/{_q(key)}"
        self._call("PUT", path, json={"value": str(value)})

    def delete_trace_tag(self, trace_id: str, key: str) -> None:
        self._call("DELETE", f"/api/v1/traces/{_q(trace_id)}/tags/{_q(key)}")

    # Assessments

    def log_assessment(self, assessment: Assessment) -> Assessment:
        checked = assessment.validated()
        body = {
            "name": checked.name,
            "kind": checked.kind,
            "value": checked.value,
            "rationale": checked.rationale,
            "source": checked.source.to_dict(),
            "span_id": checked.span_id,
            "metadata": checked.metadata,
            "error": None if checked.error is None else checked.error.to_dict(),
        }
        return Assessment.from_dict(
            self._call("POST", self._assessments(checked.trace_id), json=body)
        )

    def get_assessment(self, trace_id: str, assessment_id: str) -> Assessment:
        path = f"{self._assessments(trace_id)}/{_q(assessment_id)}"
        return Assessment.from_dict(self._call("GET", path))

    def update_assessment(
        self, trace_id: str, assessment_id: str, changes: Mapping[str, Any]
    ) -> Assessment:
        body = dict(changes)
        error = body.get("error")
        if isinstance(error, AssessmentError):
            body["error"] = error.to_dict()
        path = f"{self._assessments(trace_id)}/{_q(assessment_id)}"
        return Assessment.from_dict(self._call("PATCH", path, json=body))

    def override_feedback(
        self, trace_id: str, assessment_id: str, replacement: Assessment
    ) -> Assessment:
        body = {
            "value": replacement.value,
            "rationale": replacement.rationale,
            "source": replacement.source.to_dict(),
            "metadata": replacement.metadata,
        }
        path = f"{self._assessments(trace_id)}/{_q(assessment_id)}/override"
        return Assessment.from_dict(self._call("POST", path, json=body))

    def delete_assessment(self, trace_id: str, assessment_id: str) -> None:
        self._call("DELETE", f"{self._assessments(trace_id)}/{_q(assessment_id)}")

    def summarize_assessments(self, experiment_id: str) -> list[AssessmentSummary]:
        path = f"/api/v1/experiments/{_q(experiment_id)}/assessments/summary"
        found = self._call("GET", path)["assessments"]
        return [AssessmentSummary.from_dict(item) for item in found]

    def log_assessments(self, assessments: Sequence[Assessment]) -> list[Assessment]:
        body = {"assessments": [a.validated().to_dict() for a in assessments]}
        if not body["assessments"]:
            return []
        found = self._call("POST", "/api/v1/assessments/batch", json=body)["assessments"]
        return [Assessment.from_dict(item) for item in found]

    @staticmethod
    def _assessments(trace_id: str) -> str:
        return f"/api/v1/traces/{_q(trace_id)}/assessments"

    def client_losses(self, experiment_id: str, since_ms: int) -> ClientLosses:
        # The API takes whole hours back from now, up to 90 days.
        hours = min(max(1, -(-(int(time.time() * 1000) - since_ms) // 3_600_000)), 24 * 90)
        body = self._call(
            "GET", f"/api/v1/experiments/{_q(experiment_id)}/client-losses", params={"hours": hours}
        )
        return ClientLosses.from_dict(body)

    def get_metrics(
        self,
        experiment_id: str,
        start_ms: int,
        end_ms: int,
        bucket: str = "hour",
        filter_string: str | None = None,
        group_by: str | None = None,
        metrics: Sequence[str] | None = None,
    ) -> MetricsSeries:
        check_metrics_request(start_ms, end_ms, bucket, group_by, metrics)
        params: dict[str, Any] = {"start_ms": start_ms, "end_ms": end_ms, "bucket": bucket}
        if filter_string:
            params["filter"] = filter_string
        if group_by is not None:
            params["group_by"] = group_by
        if metrics is not None:
            params["metrics"] = list(metrics)
        body = self._call("GET", f"/api/v1/experiments/{_q(experiment_id)}/metrics", params=params)
        return MetricsSeries.from_dict(body)

    def search_sessions(
        self,
        experiment_ids: Sequence[str],
        max_results: int = 100,
        page_token: str | None = None,
        *,
        query: str | None = None,
    ) -> PagedList[Session]:
        request: dict[str, Any] = {
            "experiment_ids": [str(e) for e in experiment_ids],
            "max_results": max_results,
            "page_token": page_token,
        }
        if query:
            request["query"] = query
        body = self._call("POST", "/api/v1/sessions/search", json=request)
        return PagedList(
            [Session.from_dict(s) for s in body["sessions"]], body.get("next_page_token")
        )

    # Transport

    def _call(self, method: str, path: str, budget_s: float | None = None, **kwargs: Any) -> Any:
        response = self._send(method, path, budget_s, **kwargs)
        if response.status_code >= 300:  # a redirect is not followed: nothing was done
            raise _error(response)
        if response.status_code == 204 or not response.content:
            return None
        return orjson.loads(response.content)

    def _send(
        self, method: str, path: str, budget_s: float | None, **kwargs: Any
    ) -> httpx.Response:
        """The response, after retrying transient failures (for at most `budget_s` seconds
        when given, else `max_retries` times)."""
        deadline = None if budget_s is None else time.monotonic() + budget_s
        attempt = 0
        while True:
            if deadline is not None:  # no single attempt runs past the budget
                kwargs["timeout"] = max(min(self._timeout, deadline - time.monotonic()), 0.05)
            try:
                response = self._client.request(method, path, **kwargs)
            except httpx.TransportError as exc:
                delay = self._backoff(attempt, None)
                if self._out_of_retries(attempt, deadline, delay):
                    raise StorageUnavailableError(
                        f"spanscope server {self.base_url} unreachable after {attempt + 1} "
                        f"attempt(s): {type(exc).__name__}: {exc}"
                    ) from exc
            else:
                if response.status_code not in _RETRY_STATUS:
                    return response
                retry_after = response.headers.get("retry-after")
                delay = self._backoff(attempt, retry_after)
                if self._out_of_retries(attempt, deadline, delay):
                    raise StorageUnavailableError(
                        f"spanscope server {self.base_url} answered HTTP {response.status_code} "
                        f"after {attempt + 1} attempt(s): {_message(response)}",
                        retry_after_s=_seconds(retry_after),
                    )
            self._sleep(delay)
            attempt += 1

    def _out_of_retries(self, attempt: int, deadline: float | None, delay: float) -> bool:
        if deadline is not None:
            return time.monotonic() + delay >= deadline
        return attempt >= self.max_retries

    def _backoff(self, attempt: int, retry_after: str | None) -> float:
        if retry_after is not None:
            try:
                return min(max(float(retry_after), 0.0), self.max_backoff_s)
            except ValueError:
                pass  # an HTTP date: fall back to our own schedule
        delay = min(self.backoff_s * (2.0**attempt), self.max_backoff_s)
        return float(delay * (0.5 + random.random() / 2))  # jitter: clients do not retry in step


def _seconds(retry_after: str | None) -> float | None:
    try:
        return max(float(retry_after), 0.0) if retry_after is not None else None
    except ValueError:
        return None  # an HTTP date


def _message(response: httpx.Response) -> str:
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        body = {}
    detail = body.get("error") if isinstance(body, dict) else None
    message = detail.get("message") if isinstance(detail, dict) else None
    return (
        message
        if isinstance(message, str)
        else f"HTTP {response.status_code}: {response.text[:500]}"
    )


_q = quoted


def _error(response: httpx.Response) -> SpanscopeError:
    if 300 <= response.status_code < 400:
        location = response.headers.get("location")
        return SpanscopeError(
            f"spanscope server answered HTTP {response.status_code}, a redirect to {location!r} "
            "that is not followed (nothing was done): check the server URL"
        )
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        body = {}
    detail = body.get("error") if isinstance(body, dict) else None
    message = _message(response)
    status = response.status_code
    if status == 404:
        return NotFoundError(message)
    if status == 409:
        return AlreadyExistsError(message)
    if status == 400 and isinstance(detail, dict) and detail.get("code") == "INVALID_FILTER":
        return InvalidFilterError(message, position=detail.get("position"))
    if status in (400, 413, 415, 422):
        return InvalidArgumentError(message)
    if status == 401:
        return SpanscopeError(f"{message} (set {ENV_TRACKING_TOKEN} to the server's token)")
    return SpanscopeError(f"spanscope server error: {message}")
