"""Assessments: judgements attached to a trace or one of its spans.

A `Feedback` judges (a bool, a number, a string or a list of strings; or an error when the
judge failed); an `Expectation` states the ground truth (any JSON value). Both name their
`source` (a person, an LLM judge, code). Overriding a feedback keeps its history: the new one
names the one it `overrides`, which stops being `valid`. The names and rules follow MLflow 3's.
"""

from __future__ import annotations

import enum
import math
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from spanscope.exceptions import InvalidArgumentError

__all__ = [
    "UPDATABLE",
    "Assessment",
    "AssessmentError",
    "AssessmentSource",
    "AssessmentSourceType",
    "AssessmentSummary",
    "Expectation",
    "Feedback",
    "new_assessment_id",
]

Kind = Literal["feedback", "expectation"]
# What update_assessment may change (as MLflow: not the source, span or trace).
UPDATABLE = frozenset({"name", "value", "rationale", "metadata", "error"})
_MAX_NAME = 250
_MAX_TEXT = 100_000


class AssessmentSourceType(str, enum.Enum):
    """Who made a judgement."""

    HUMAN = "HUMAN"
    LLM_JUDGE = "LLM_JUDGE"
    CODE = "CODE"

    def __str__(self) -> str:  # "HUMAN", as on Python 3.11's StrEnum
        return self.value


@dataclass(frozen=True, slots=True)
class AssessmentSource:
    """Who made an assessment: a type and an id (a user name, a judge's model, a function)."""

    source_type: AssessmentSourceType | str = AssessmentSourceType.CODE
    source_id: str = "default"

    def __post_init__(self) -> None:
        given = self.source_type
        raw = str(given.value if isinstance(given, enum.Enum) else given).upper()
        kind = "LLM_JUDGE" if raw == "AI_JUDGE" else raw  # MLflow's older name
        if kind not in AssessmentSourceType.__members__:
            raise InvalidArgumentError(
                f"source_type is one of HUMAN, LLM_JUDGE, CODE, got {self.source_type!r}"
            )
        object.__setattr__(self, "source_type", AssessmentSourceType(kind))
        if not isinstance(self.source_id, str) or not self.source_id.strip():
            raise InvalidArgumentError(f"source_id is a non-empty string, got {self.source_id!r}")

    def to_dict(self) -> dict[str, str]:
        kind = self.source_type
        return {
            "source_type": kind.value if isinstance(kind, enum.Enum) else str(kind),
            "source_id": self.source_id,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AssessmentSource:
        return cls(str(data.get("source_type", "CODE")), str(data.get("source_id") or "default"))


@dataclass(frozen=True, slots=True)
class AssessmentError:
    """Why a judge produced no value: its error code (the exception's type) and message."""

    error_code: str
    error_message: str | None = None
    stack_trace: str | None = None

    @classmethod
    def from_exception(cls, exc: BaseException | str) -> AssessmentError:
        if isinstance(exc, str):
            return cls("ASSESSMENT_ERROR", exc)
        import traceback

        stack = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        return cls(type(exc).__name__, str(exc), stack or None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "error_code": self.error_code,
            "error_message": self.error_message,
            "stack_trace": self.stack_trace,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AssessmentError:
        return cls(str(data["error_code"]), data.get("error_message"), data.get("stack_trace"))


@dataclass(slots=True)
class Assessment:
    """A feedback or an expectation on a trace (or one of its spans, by `span_id`)."""

    trace_id: str
    name: str
    value: Any = None
    kind: Kind = "feedback"
    source: AssessmentSource = field(default_factory=AssessmentSource)
    rationale: str | None = None
    span_id: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    error: AssessmentError | None = None
    assessment_id: str | None = None
    create_time_ms: int | None = None
    update_time_ms: int | None = None
    overrides: str | None = None
    valid: bool = True

    @property
    def feedback(self) -> bool:
        return self.kind == "feedback"

    def validated(self) -> Assessment:
        """This assessment, checked: a clear InvalidArgumentError says what is wrong."""
        if not isinstance(self.trace_id, str) or len(self.trace_id) != 32:
            raise InvalidArgumentError(f"trace_id is 32 hex characters, got {self.trace_id!r}")
        if not isinstance(self.name, str) or not self.name.strip():
            raise InvalidArgumentError(f"an assessment needs a non-empty name, got {self.name!r}")
        if len(self.name) > _MAX_NAME:
            raise InvalidArgumentError(f"an assessment name is at most {_MAX_NAME} characters")
        if self.span_id is not None and (
            not isinstance(self.span_id, str) or len(self.span_id) != 16
        ):
            raise InvalidArgumentError(f"span_id is 16 hex characters, got {self.span_id!r}")
        if self.kind == "feedback":
            _check_feedback_value(self.value, self.error)
        elif self.kind == "expectation":
            if self.value is None:
                raise InvalidArgumentError("an expectation needs a value (any JSON value)")
            _check_json(self.value, "an expectation's value")
        else:
            raise InvalidArgumentError(f"kind is 'feedback' or 'expectation', got {self.kind!r}")
        rationale: object = self.rationale  # callers may pass anything
        if rationale is not None and not isinstance(rationale, str):
            raise InvalidArgumentError(f"rationale is a string, got {type(rationale).__name__}")
        if self.rationale is not None and len(self.rationale) > _MAX_TEXT:
            raise InvalidArgumentError(f"rationale is at most {_MAX_TEXT} characters")
        if not isinstance(self.metadata, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in self.metadata.items()
        ):
            raise InvalidArgumentError("metadata maps strings to strings")
        return self

    def with_new_id(self, now_ms: int | None = None) -> Assessment:
        """A copy to store: a fresh id and the create and update times."""
        stamp = int(time.time() * 1000) if now_ms is None else now_ms
        return replace(
            self, assessment_id=new_assessment_id(), create_time_ms=stamp, update_time_ms=stamp
        )

    def updated(self, changes: Mapping[str, Any], now_ms: int | None = None) -> Assessment:
        """A copy with `changes` applied: name, value, rationale, error, and metadata (merged
        into the old); the source, span and trace stay. Checked like a new one."""
        unknown = set(changes) - UPDATABLE
        if unknown:
            raise InvalidArgumentError(
                f"an assessment's {', '.join(sorted(unknown))} cannot change; "
                f"updatable: {', '.join(sorted(UPDATABLE))}"
            )
        fields = dict(changes)
        if "metadata" in fields:
            fields["metadata"] = {**self.metadata, **(fields["metadata"] or {})}
        if isinstance(fields.get("error"), dict):
            fields["error"] = AssessmentError.from_dict(fields["error"])
        stamp = int(time.time() * 1000) if now_ms is None else now_ms
        return replace(self, **fields, update_time_ms=stamp).validated()

    def overridden_by(
        self,
        value: Any,
        rationale: str | None = None,
        source: AssessmentSource | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> Assessment:
        """The feedback that replaces this one (keeping it as history, no longer valid)."""
        if not self.feedback:
            raise InvalidArgumentError("only a feedback can be overridden; update an expectation")
        return Feedback(
            trace_id=self.trace_id,
            name=self.name,
            value=value,
            rationale=rationale,
            source=source or self.source,
            span_id=self.span_id,
            metadata=dict(metadata or {}),
            overrides=self.assessment_id,
        ).validated()

    def to_dict(self) -> dict[str, Any]:
        return {
            "assessment_id": self.assessment_id,
            "trace_id": self.trace_id,
            "span_id": self.span_id,
            "name": self.name,
            "kind": self.kind,
            "value": self.value,
            "rationale": self.rationale,
            "source": self.source.to_dict(),
            "metadata": dict(self.metadata),
            "error": None if self.error is None else self.error.to_dict(),
            "create_time_ms": self.create_time_ms,
            "update_time_ms": self.update_time_ms,
            "overrides": self.overrides,
            "valid": self.valid,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Assessment:
        kind = str(data.get("kind", "feedback"))
        factory = Expectation if kind == "expectation" else Feedback
        error = data.get("error")
        return factory(
            trace_id=str(data["trace_id"]),
            name=str(data["name"]),
            value=data.get("value"),
            kind="expectation" if kind == "expectation" else "feedback",
            source=AssessmentSource.from_dict(data.get("source") or {}),
            rationale=data.get("rationale"),
            span_id=data.get("span_id"),
            metadata=dict(data.get("metadata") or {}),
            error=None if not error else AssessmentError.from_dict(error),
            assessment_id=data.get("assessment_id"),
            create_time_ms=data.get("create_time_ms"),
            update_time_ms=data.get("update_time_ms"),
            overrides=data.get("overrides"),
            valid=bool(data.get("valid", True)),
        )


class Feedback(Assessment):
    """A judgement: bool, number, string or list of strings; or an error when the judge failed.

    The source defaults to CODE. A scorer may return `Feedback(value=..., rationale=...)`
    without a trace id or name: the trace being scored and the scorer's name fill them in.
    """

    __slots__ = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        _default_target(args, kwargs)
        kwargs.setdefault("kind", "feedback")
        super().__init__(*args, **kwargs)


class Expectation(Assessment):
    """Ground truth: any JSON value. The source defaults to HUMAN."""

    __slots__ = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        _default_target(args, kwargs)
        kwargs.setdefault("kind", "expectation")
        kwargs.setdefault("source", AssessmentSource(AssessmentSourceType.HUMAN))
        super().__init__(*args, **kwargs)


def _default_target(args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """An unset trace id or name is empty ("" fails `validated()`, so it must be filled in)."""
    if not args:
        kwargs.setdefault("trace_id", "")
    if len(args) < 2:
        kwargs.setdefault("name", "")


def new_assessment_id() -> str:
    """An id as MLflow makes them ("a-" and 32 hex characters), whose first 16 are the time
    in ns: ids sort in the order they were made, within a millisecond too."""
    return f"a-{time.time_ns():016x}{os.urandom(8).hex()}"


def _check_feedback_value(value: Any, error: AssessmentError | None) -> None:
    if value is None:
        if error is None:
            raise InvalidArgumentError(
                "a feedback needs a value (bool, number, string or list of strings) or an error"
            )
        return
    if isinstance(value, bool | str):
        return
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            raise InvalidArgumentError(f"a feedback number must be finite, got {value!r}")
        return
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return
    raise InvalidArgumentError(
        "a feedback value is a bool, a number, a string or a list of strings, got "
        f"{type(value).__name__}: {value!r:.100}"
    )


def _check_json(value: Any, what: str, depth: int = 0) -> None:
    if depth > 32:
        raise InvalidArgumentError(f"{what} is nested too deeply (at most 32 levels)")
    if value is None or isinstance(value, bool | str):
        return
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            raise InvalidArgumentError(f"{what} holds a number that is not finite: {value!r}")
        return
    if isinstance(value, list):
        for item in value:
            _check_json(item, what, depth + 1)
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise InvalidArgumentError(f"{what} has a key that is not a string: {key!r}")
            _check_json(item, what, depth + 1)
        return
    raise InvalidArgumentError(f"{what} must be JSON (got {type(value).__name__})")


@dataclass(frozen=True, slots=True)
class AssessmentSummary:
    """The valid assessments of one name and kind across an experiment's traces.

    `value_type` is "boolean", "number", "string", "mixed" (several of those) or "other"
    (lists, objects, errors only). `pass_rate` is the share of true among booleans, `mean` the
    mean of numbers, `values` the count of each string value (the most frequent first).
    """

    name: str
    kind: Kind
    count: int
    value_type: str
    pass_rate: float | None = None
    mean: float | None = None
    values: dict[str, int] = field(default_factory=dict)
    errors: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "count": self.count,
            "value_type": self.value_type,
            "pass_rate": self.pass_rate,
            "mean": self.mean,
            "values": dict(self.values),
            "errors": self.errors,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AssessmentSummary:
        return cls(
            name=str(data["name"]),
            kind="expectation" if data.get("kind") == "expectation" else "feedback",
            count=int(data["count"]),
            value_type=str(data["value_type"]),
            pass_rate=data.get("pass_rate"),
            mean=data.get("mean"),
            values={str(k): int(v) for k, v in (data.get("values") or {}).items()},
            errors=int(data.get("errors") or 0),
        )
