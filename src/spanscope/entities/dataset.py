"""Datasets: versioned sets of records `{inputs, expectations, tags, source}` (docs/evaluation.md).

A record is identified by its inputs: `record_key(inputs)` is the same for equal inputs whatever
their key order, so merging a record whose inputs are already held updates it instead of adding a
duplicate. Every change to a dataset makes a new version; a record holds the versions it was
current in, so any past version can be read back.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from spanscope.entities.serialization import to_jsonable
from spanscope.entities.trace import Trace
from spanscope.exceptions import InvalidArgumentError

__all__ = [
    "Dataset",
    "DatasetRecord",
    "DatasetVersion",
    "RecordSourceType",
    "record_from_trace",
    "record_key",
    "trace_expectations",
    "trace_inputs",
]

# Where a record came from: typed by hand or code, or taken from a trace (source id: trace id).
RecordSourceType = str
SOURCE_TYPES = ("HUMAN", "CODE", "TRACE", "DOCUMENT")


def record_key(inputs: Any) -> str:
    """The identity of a record: a digest of its inputs as canonical JSON (sorted keys)."""
    canonical = orjson.dumps(to_jsonable(inputs), option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(canonical).hexdigest()[:32]


@dataclass(slots=True)
class DatasetRecord:
    """One input of a dataset with its expected results.

    `inputs` is a dict of the keyword arguments `predict_fn` is called with; `expectations` a dict
    of named ground truths (scorers receive it as `expectations`). `record_id` is
    `record_key(inputs)`, filled in by `validated()`.
    """

    inputs: dict[str, Any]
    expectations: dict[str, Any] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    source_type: RecordSourceType = "CODE"
    source_id: str | None = None
    record_id: str = ""
    created_version: int | None = None
    updated_version: int | None = None

    def validated(self) -> DatasetRecord:
        """This record, checked, with its `record_id`; InvalidArgumentError says what is wrong."""
        if not isinstance(self.inputs, Mapping) or not self.inputs:
            raise InvalidArgumentError(
                f"a dataset record's inputs must be a non-empty dict of named values, "
                f"got {_shown(self.inputs)}"
            )
        if not isinstance(self.expectations, Mapping):
            raise InvalidArgumentError(
                f"a dataset record's expectations must be a dict of named values, "
                f"got {_shown(self.expectations)}"
            )
        if not isinstance(self.tags, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in self.tags.items()
        ):
            raise InvalidArgumentError("a dataset record's tags must be a dict of strings")
        if self.source_type not in SOURCE_TYPES:
            raise InvalidArgumentError(
                f"unknown record source type {self.source_type!r}; accepted: "
                + ", ".join(SOURCE_TYPES)
            )
        inputs = to_jsonable(dict(self.inputs))
        return DatasetRecord(
            inputs=inputs,
            expectations=to_jsonable(dict(self.expectations)),
            tags=dict(self.tags),
            source_type=self.source_type,
            source_id=None if self.source_id is None else str(self.source_id),
            record_id=record_key(inputs),
            created_version=self.created_version,
            updated_version=self.updated_version,
        )

    def merged_with(self, newer: DatasetRecord) -> DatasetRecord:
        """This record updated by a newer one with the same inputs: expectations and tags are
        merged (the newer wins per name), the newer source replaces the older."""
        return DatasetRecord(
            inputs=self.inputs,
            expectations={**self.expectations, **newer.expectations},
            tags={**self.tags, **newer.tags},
            source_type=newer.source_type,
            source_id=newer.source_id if newer.source_id is not None else self.source_id,
            record_id=self.record_id,
            created_version=self.created_version,
            updated_version=self.updated_version,
        )

    def same_content(self, other: DatasetRecord) -> bool:
        return (
            self.inputs == other.inputs
            and self.expectations == other.expectations
            and self.tags == other.tags
            and self.source_type == other.source_type
            and self.source_id == other.source_id
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "record_id": self.record_id,
            "inputs": self.inputs,
            "expectations": self.expectations,
            "tags": dict(self.tags),
            "source": {"type": self.source_type, "id": self.source_id},
            "created_version": self.created_version,
            "updated_version": self.updated_version,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DatasetRecord:
        """A record from its JSON form, or from a plain dict `{inputs, expectations, tags,
        source}` where `source` is `{type, id}` or absent."""
        if not isinstance(data, Mapping):
            raise InvalidArgumentError(
                f"a dataset record must be a dict with 'inputs', got {_shown(data)}"
            )
        unknown = set(data) - {
            "record_id",
            "inputs",
            "expectations",
            "tags",
            "source",
            "created_version",
            "updated_version",
        }
        if unknown:
            raise InvalidArgumentError(
                f"unknown dataset record field(s) {sorted(unknown)}; accepted: inputs, "
                "expectations, tags, source"
            )
        if "inputs" not in data:
            raise InvalidArgumentError("a dataset record needs 'inputs' (a dict)")
        source = data.get("source") or {}
        if not isinstance(source, Mapping):
            raise InvalidArgumentError("a dataset record's source must be {'type': ..., 'id': ...}")
        return cls(
            inputs=data["inputs"],
            expectations=data.get("expectations") or {},
            tags=data.get("tags") or {},
            source_type=str(source.get("type") or "CODE"),
            source_id=source.get("id"),
            record_id=str(data.get("record_id") or ""),
            created_version=data.get("created_version"),
            updated_version=data.get("updated_version"),
        )


def trace_inputs(trace: Trace) -> dict[str, Any] | None:
    """The inputs of a trace's root span as a dict (a non-dict value under "inputs"), or None."""
    root = trace.data.root
    inputs = root.inputs if root is not None else None
    if inputs is None:
        return None
    return dict(inputs) if isinstance(inputs, Mapping) else {"inputs": inputs}


def trace_expectations(trace: Trace) -> dict[str, Any]:
    """A trace's valid trace-level expectations by name."""
    return {
        a.name: a.value
        for a in trace.info.assessments
        if a.kind == "expectation" and a.valid and a.span_id is None
    }


def record_from_trace(trace: Trace) -> DatasetRecord:
    """A record from a logged trace: inputs from its root span, expectations from the trace's
    valid expectations, source TRACE with the trace id."""
    inputs = trace_inputs(trace)
    if inputs is None:
        raise InvalidArgumentError(
            f"trace {trace.trace_id!r} has no root span inputs to make a dataset record from"
        )
    return DatasetRecord(
        inputs=inputs,
        expectations=trace_expectations(trace),
        source_type="TRACE",
        source_id=trace.trace_id,
    ).validated()


@dataclass(slots=True)
class Dataset:
    """A named, versioned set of records in a store. `version` is the latest (0 while empty)."""

    dataset_id: str
    name: str
    experiment_id: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    version: int = 0
    record_count: int = 0
    created_ms: int = 0
    updated_ms: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "dataset_id": self.dataset_id,
            "name": self.name,
            "experiment_id": self.experiment_id,
            "tags": dict(self.tags),
            "version": self.version,
            "record_count": self.record_count,
            "created_ms": self.created_ms,
            "updated_ms": self.updated_ms,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Dataset:
        experiment = data.get("experiment_id")
        return cls(
            dataset_id=str(data["dataset_id"]),
            name=str(data["name"]),
            experiment_id=None if experiment is None else str(experiment),
            tags=dict(data.get("tags") or {}),
            version=int(data.get("version") or 0),
            record_count=int(data.get("record_count") or 0),
            created_ms=int(data.get("created_ms") or 0),
            updated_ms=int(data.get("updated_ms") or 0),
        )


@dataclass(slots=True)
class DatasetVersion:
    """One version of a dataset: when it was made, how many records it holds, what changed."""

    version: int
    created_ms: int
    record_count: int
    added: int = 0
    updated: int = 0
    removed: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "created_ms": self.created_ms,
            "record_count": self.record_count,
            "added": self.added,
            "updated": self.updated,
            "removed": self.removed,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DatasetVersion:
        return cls(
            version=int(data["version"]),
            created_ms=int(data.get("created_ms") or 0),
            record_count=int(data.get("record_count") or 0),
            added=int(data.get("added") or 0),
            updated=int(data.get("updated") or 0),
            removed=int(data.get("removed") or 0),
        )


def _shown(value: Any) -> str:
    text = repr(value)
    return f"{type(value).__name__} {text[:60]}{'...' if len(text) > 60 else ''}"
