"""The rows of an evaluation: what `evaluate(data=...)` accepts, made uniform."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from spanscope.entities.dataset import (
    DatasetRecord,
    record_key,
    trace_expectations,
    trace_inputs,
)
from spanscope.entities.trace import Trace
from spanscope.evaluation.datasets import EvaluationDataset
from spanscope.evaluation.records import dataframe_rows, is_dataframe, with_spans
from spanscope.exceptions import InvalidArgumentError
from spanscope.store.base import TraceStore

__all__ = ["ACCEPTED_DATA", "DatasetRef", "Row", "rows_of"]

ACCEPTED_DATA = (
    "a dataset (spanscope.datasets), a pandas DataFrame or a list of dicts with 'inputs' "
    "(and 'expectations', 'outputs', or 'trace' / 'trace_id'), or traces (search_traces())"
)
_ROW_KEYS = {"inputs", "outputs", "expectations", "trace", "trace_id", "tags", "source"}
_NO_OUTPUTS: Any = object()


@dataclass(slots=True)
class Row:
    """One row to evaluate: inputs and expectations; the trace to score (no predict_fn), or
    outputs given without a trace."""

    position: int
    inputs: dict[str, Any]
    expectations: dict[str, Any] = field(default_factory=dict)
    record_id: str = ""
    trace: Trace | None = None
    outputs: Any = _NO_OUTPUTS

    @property
    def has_outputs(self) -> bool:
        return self.outputs is not _NO_OUTPUTS


@dataclass(frozen=True, slots=True)
class DatasetRef:
    dataset_id: str
    name: str
    version: int


def rows_of(data: Any, store: TraceStore, predicting: bool) -> tuple[list[Row], DatasetRef | None]:
    """`data` as rows, and the dataset version they come from (if any). Without `predict_fn`
    every row needs a trace or outputs to score; a dataset's records taken from traces are
    scored on those traces."""
    if isinstance(data, EvaluationDataset):
        ref = DatasetRef(data.dataset_id, data.name, data.version)
        items: list[Any] = list(data.records)
    elif is_dataframe(data):
        ref, items = None, dataframe_rows(data)
    elif isinstance(data, Iterable) and not isinstance(data, (str, bytes, Mapping)):
        ref, items = None, list(data)
    else:
        raise InvalidArgumentError(
            f"evaluate(data=...) takes {ACCEPTED_DATA}; got {type(data).__name__}"
        )
    if not items:
        raise InvalidArgumentError("evaluate(data=...) is empty: there is nothing to evaluate")
    wanted = [None if predicting else _trace_of(item) for item in items]
    traces = with_spans(wanted, store)
    rows = [
        _row(position, item, trace, predicting)
        for position, (item, trace) in enumerate(zip(items, traces, strict=False))
    ]
    return rows, ref


def _trace_of(item: Any) -> Trace | str | None:
    if isinstance(item, Trace):
        return item
    if isinstance(item, DatasetRecord):
        return item.source_id if item.source_type == "TRACE" and item.source_id else None
    if isinstance(item, Mapping):
        found = item.get("trace", item.get("trace_id"))
        if isinstance(found, (Trace, str)) and "outputs" not in item:
            return found
    return None


def _row(position: int, item: Any, trace: Trace | None, predicting: bool) -> Row:
    where = f"evaluate(data=...) row {position}"
    if isinstance(item, Trace):
        item = {"trace": item}
    if isinstance(item, DatasetRecord):
        row = Row(position, dict(item.inputs), dict(item.expectations), item.record_id)
    elif isinstance(item, Mapping):
        unknown = set(item) - _ROW_KEYS
        if unknown:
            raise InvalidArgumentError(
                f"{where} has unknown key(s) {sorted(unknown)}; accepted: "
                + ", ".join(sorted(_ROW_KEYS))
            )
        inputs = item.get("inputs")
        expectations = item.get("expectations") or {}
        if not isinstance(expectations, Mapping):
            raise InvalidArgumentError(f"{where}: 'expectations' must be a dict of named values")
        if inputs is None and trace is not None:
            inputs, expectations = _from_trace(trace, expectations)
        if not isinstance(inputs, Mapping):
            raise InvalidArgumentError(
                f"{where}: 'inputs' must be a dict of the arguments predict_fn takes, got "
                f"{type(inputs).__name__}"
            )
        # Traces without inputs still get a row of their own to match across runs.
        key = (
            record_key(inputs) if inputs or trace is None else record_key({"trace": trace.trace_id})
        )
        row = Row(position, dict(inputs), dict(expectations), key)
        if "outputs" in item:
            row.outputs = item["outputs"]
    else:
        raise InvalidArgumentError(f"{where} is a {type(item).__name__}; {ACCEPTED_DATA}")
    if predicting:
        return row
    if trace is not None:
        row.trace = trace
        if not row.expectations:
            row.expectations = trace_expectations(trace)
    elif not row.has_outputs:
        raise InvalidArgumentError(
            f"{where} has no trace and no outputs to score: pass predict_fn to run the inputs, "
            "or give 'outputs' or a 'trace' per row"
        )
    return row


def _from_trace(trace: Trace, given: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    inputs = trace_inputs(trace) or {}
    return inputs, {**trace_expectations(trace), **given}
