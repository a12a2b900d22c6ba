"""The fluent API for feedback and expectations on traces, over the store of the tracking URI.

Each call flushes first, so a trace that ended moments ago can be judged at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from spanscope.entities.assessment import (
    Assessment,
    AssessmentError,
    AssessmentSource,
    AssessmentSourceType,
    Expectation,
    Feedback,
)
from spanscope.exceptions import InvalidArgumentError
from spanscope.store.uri import get_store
from spanscope.tracing.export.queue import flush

__all__ = [
    "delete_assessment",
    "get_assessment",
    "log_expectation",
    "log_feedback",
    "override_feedback",
    "update_assessment",
]

_FLUSH_TIMEOUT_S = 30.0
_UNSET: Any = object()


def log_feedback(
    trace_id: str,
    name: str = "feedback",
    value: Any = None,
    *,
    rationale: str | None = None,
    source: AssessmentSource | str | None = None,
    span_id: str | None = None,
    metadata: Mapping[str, str] | None = None,
    error: BaseException | str | AssessmentError | None = None,
) -> Assessment:
    """Judge a trace (or one of its spans): a bool, a number, a string or a list of strings,
    or the `error` a judge failed with. `source` defaults to CODE ("HUMAN", "LLM_JUDGE",
    "CODE" or an AssessmentSource). Returns the stored feedback, with its id."""
    feedback = Feedback(
        trace_id=str(trace_id),
        name=name,
        value=value,
        rationale=rationale,
        source=_source(source, AssessmentSourceType.CODE),
        span_id=span_id,
        metadata=dict(metadata or {}),
        error=_error(error),
    )
    flush(_FLUSH_TIMEOUT_S)
    return get_store().log_assessment(feedback)


def log_expectation(
    trace_id: str,
    name: str,
    value: Any,
    *,
    source: AssessmentSource | str | None = None,
    span_id: str | None = None,
    metadata: Mapping[str, str] | None = None,
) -> Assessment:
    """State the ground truth for a trace (any JSON value); `source` defaults to HUMAN."""
    expectation = Expectation(
        trace_id=str(trace_id),
        name=name,
        value=value,
        source=_source(source, AssessmentSourceType.HUMAN),
        span_id=span_id,
        metadata=dict(metadata or {}),
    )
    flush(_FLUSH_TIMEOUT_S)
    return get_store().log_assessment(expectation)


def get_assessment(trace_id: str, assessment_id: str) -> Assessment:
    flush(_FLUSH_TIMEOUT_S)
    return get_store().get_assessment(str(trace_id), str(assessment_id))


def update_assessment(
    trace_id: str,
    assessment_id: str,
    *,
    name: str = _UNSET,
    value: Any = _UNSET,
    rationale: str | None = _UNSET,
    metadata: Mapping[str, str] | None = _UNSET,
    error: BaseException | str | AssessmentError | None = _UNSET,
) -> Assessment:
    """Change an assessment in place: the arguments given (metadata is merged)."""
    given: dict[str, Any] = {
        "name": name,
        "value": value,
        "rationale": rationale,
        "metadata": metadata,
    }
    changes = {key: arg for key, arg in given.items() if arg is not _UNSET}
    if error is not _UNSET:
        changes["error"] = _error(error)
    if not changes:
        raise InvalidArgumentError("update_assessment needs something to change")
    flush(_FLUSH_TIMEOUT_S)
    return get_store().update_assessment(str(trace_id), str(assessment_id), changes)


def override_feedback(
    trace_id: str,
    assessment_id: str,
    value: Any,
    *,
    rationale: str | None = None,
    source: AssessmentSource | str | None = None,
    metadata: Mapping[str, str] | None = None,
) -> Assessment:
    """Replace a feedback with a corrected one; the old one stays as history (`valid` False,
    the new one's `overrides` names it). Returns the new feedback."""
    flush(_FLUSH_TIMEOUT_S)
    store = get_store()
    old = store.get_assessment(str(trace_id), str(assessment_id))
    given = None if source is None else _source(source, AssessmentSourceType.HUMAN)
    replacement = old.overridden_by(value, rationale, given, metadata)
    return store.override_feedback(str(trace_id), str(assessment_id), replacement)


def delete_assessment(trace_id: str, assessment_id: str) -> None:
    """Delete an assessment (the one it overrode, if any, becomes valid again)."""
    flush(_FLUSH_TIMEOUT_S)
    get_store().delete_assessment(str(trace_id), str(assessment_id))


def _source(
    given: AssessmentSource | str | None, default: AssessmentSourceType
) -> AssessmentSource:
    if given is None:
        return AssessmentSource(default)
    if isinstance(given, AssessmentSource):
        return given
    if isinstance(given, str):
        return AssessmentSource(given)
    raise InvalidArgumentError(
        f"source is 'HUMAN', 'LLM_JUDGE', 'CODE' or an AssessmentSource, got {type(given).__name__}"
    )


def _error(given: BaseException | str | AssessmentError | None) -> AssessmentError | None:
    if given is None or isinstance(given, AssessmentError):
        return given
    return AssessmentError.from_exception(given)
