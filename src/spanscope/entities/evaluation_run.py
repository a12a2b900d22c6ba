"""Evaluation runs: scorers applied to a dataset or to traces, kept to compare (docs/evaluation.md).

A run holds what it used (dataset and version, scorers) and what it found (metrics per score
name); its items are the rows: one per record, with the trace it was scored on, the outputs and
each score. Items are matched across runs by `record_id` (`record_key` of the inputs).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from spanscope.exceptions import InvalidArgumentError

__all__ = [
    "EvaluationItem",
    "EvaluationRun",
    "EvaluationRunStatus",
    "Score",
    "ScoreMetrics",
    "ScorerSpec",
]


class EvaluationRunStatus(str, enum.Enum):
    RUNNING = "RUNNING"
    FINISHED = "FINISHED"
    # Stopped by the user (Ctrl-C): the items scored so far are kept.
    INTERRUPTED = "INTERRUPTED"
    FAILED = "FAILED"

    def __str__(self) -> str:
        return self.value

    @classmethod
    def parse(cls, value: Any) -> EvaluationRunStatus:
        try:
            return cls(str(value))
        except ValueError:
            accepted = ", ".join(s.value for s in cls)
            raise InvalidArgumentError(
                f"unknown evaluation run status {value!r}; accepted: {accepted}"
            ) from None


@dataclass(slots=True)
class ScorerSpec:
    """A scorer a run used: its name and kind ("CODE" or "LLM_JUDGE"), and for a judge its model."""

    name: str
    kind: str = "CODE"
    model: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "model": self.model}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ScorerSpec:
        return cls(str(data["name"]), str(data.get("kind") or "CODE"), data.get("model"))


@dataclass(slots=True)
class Score:
    """One score of one row: the feedback value and rationale, or the error the scorer failed
    with; `assessment_id` is the feedback logged on the row's trace."""

    value: Any = None
    rationale: str | None = None
    error: str | None = None
    assessment_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "rationale": self.rationale,
            "error": self.error,
            "assessment_id": self.assessment_id,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Score:
        return cls(
            data.get("value"), data.get("rationale"), data.get("error"), data.get("assessment_id")
        )


@dataclass(slots=True)
class ScoreMetrics:
    """The aggregate of one score name over a run: how many rows got a value and how many an
    error; the mean of numbers (booleans count as 0/1); the pass rate of booleans; the counts
    of string values."""

    count: int = 0
    errors: int = 0
    mean: float | None = None
    pass_rate: float | None = None
    value_counts: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, scores: Iterable[Score]) -> ScoreMetrics:
        count = errors = passed = booleans = 0
        numbers: list[float] = []
        counts: dict[str, int] = {}
        for score in scores:
            if score.error is not None:
                errors += 1
                continue
            value = score.value
            if value is None:
                continue
            count += 1
            if isinstance(value, bool):
                booleans += 1
                passed += value
                numbers.append(float(value))
            elif isinstance(value, (int, float)):
                numbers.append(float(value))
            elif isinstance(value, str):
                counts[value] = counts.get(value, 0) + 1
        return cls(
            count=count,
            errors=errors,
            mean=sum(numbers) / len(numbers) if numbers else None,
            pass_rate=passed / booleans if booleans else None,
            value_counts=counts,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "errors": self.errors,
            "mean": self.mean,
            "pass_rate": self.pass_rate,
            "value_counts": dict(self.value_counts),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ScoreMetrics:
        mean, rate = data.get("mean"), data.get("pass_rate")
        return cls(
            count=int(data.get("count") or 0),
            errors=int(data.get("errors") or 0),
            mean=None if mean is None else float(mean),
            pass_rate=None if rate is None else float(rate),
            value_counts={str(k): int(v) for k, v in (data.get("value_counts") or {}).items()},
        )


@dataclass(slots=True)
class EvaluationRun:
    """One evaluation: what it ran on and with, how it ended, and its metrics by score name."""

    run_id: str
    experiment_id: str
    name: str
    status: EvaluationRunStatus = EvaluationRunStatus.RUNNING
    dataset_id: str | None = None
    dataset_name: str | None = None
    dataset_version: int | None = None
    scorers: list[ScorerSpec] = field(default_factory=list)
    metrics: dict[str, ScoreMetrics] = field(default_factory=dict)
    item_count: int = 0
    tags: dict[str, str] = field(default_factory=dict)
    created_ms: int = 0
    finished_ms: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "experiment_id": self.experiment_id,
            "name": self.name,
            "status": self.status.value,
            "dataset_id": self.dataset_id,
            "dataset_name": self.dataset_name,
            "dataset_version": self.dataset_version,
            "scorers": [s.to_dict() for s in self.scorers],
            "metrics": {name: m.to_dict() for name, m in self.metrics.items()},
            "item_count": self.item_count,
            "tags": dict(self.tags),
            "created_ms": self.created_ms,
            "finished_ms": self.finished_ms,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EvaluationRun:
        version = data.get("dataset_version")
        return cls(
            run_id=str(data.get("run_id") or ""),
            experiment_id=str(data["experiment_id"]),
            name=str(data.get("name") or ""),
            status=EvaluationRunStatus.parse(data.get("status") or "RUNNING"),
            dataset_id=data.get("dataset_id"),
            dataset_name=data.get("dataset_name"),
            dataset_version=None if version is None else int(version),
            scorers=[ScorerSpec.from_dict(s) for s in data.get("scorers") or []],
            metrics={
                str(k): ScoreMetrics.from_dict(v) for k, v in (data.get("metrics") or {}).items()
            },
            item_count=int(data.get("item_count") or 0),
            tags=dict(data.get("tags") or {}),
            created_ms=int(data.get("created_ms") or 0),
            finished_ms=data.get("finished_ms"),
        )


@dataclass(slots=True)
class EvaluationItem:
    """One row of a run: the record (by `record_id`, with its inputs and expectations), the
    trace it was scored on, the outputs, its scores by name, and the error `predict_fn` raised."""

    position: int
    record_id: str
    inputs: Any = None
    outputs: Any = None
    expectations: dict[str, Any] = field(default_factory=dict)
    trace_id: str | None = None
    scores: dict[str, Score] = field(default_factory=dict)
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "record_id": self.record_id,
            "inputs": self.inputs,
            "outputs": self.outputs,
            "expectations": self.expectations,
            "trace_id": self.trace_id,
            "scores": {name: s.to_dict() for name, s in self.scores.items()},
            "error": self.error,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EvaluationItem:
        if not isinstance(data, Mapping) or "position" not in data or "record_id" not in data:
            raise InvalidArgumentError(
                "an evaluation item needs 'position' (int) and 'record_id' (str)"
            )
        return cls(
            position=int(data["position"]),
            record_id=str(data["record_id"]),
            inputs=data.get("inputs"),
            outputs=data.get("outputs"),
            expectations=dict(data.get("expectations") or {}),
            trace_id=data.get("trace_id"),
            scores={str(k): Score.from_dict(v) for k, v in (data.get("scores") or {}).items()},
            error=data.get("error"),
        )
