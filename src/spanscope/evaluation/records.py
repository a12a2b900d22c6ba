"""Dataset records from what users hold: dicts, DataFrames, traces, or records already made."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from spanscope.entities.dataset import DatasetRecord, record_from_trace
from spanscope.entities.trace import Trace
from spanscope.exceptions import InvalidArgumentError, NotFoundError
from spanscope.store.base import TraceStore

__all__ = ["ACCEPTED_RECORDS", "dataframe_rows", "is_dataframe", "to_records", "with_spans"]

ACCEPTED_RECORDS = (
    "a list of dicts {inputs, expectations, tags, source}, a pandas DataFrame with an "
    "'inputs' column (or a 'trace' / 'trace_id' column, as search_traces(return_type='pandas') "
    "gives), or traces (search_traces())"
)
_TRACES_PER_READ = 200


def is_dataframe(value: Any) -> bool:
    return type(value).__module__.startswith("pandas") and hasattr(value, "to_dict")


def dataframe_rows(frame: Any) -> list[dict[str, Any]]:
    """The rows of a pandas DataFrame as dicts (NaN cells dropped)."""
    rows: list[dict[str, Any]] = []
    for row in frame.to_dict(orient="records"):
        rows.append({str(k): v for k, v in row.items() if not _missing(v)})
    return rows


def to_records(data: Any, store: TraceStore) -> list[DatasetRecord]:
    """`data` as validated records, in order. A DataFrame row or a dict naming a trace (`trace`
    or `trace_id`) and no `inputs` becomes that trace's record (`record_from_trace`)."""
    if is_dataframe(data):
        items = dataframe_rows(data)
    elif isinstance(data, (str, bytes, Mapping)) or not isinstance(data, Iterable):
        raise InvalidArgumentError(
            f"cannot make dataset records from {_kind(data)}: give " + ACCEPTED_RECORDS
        )
    else:
        items = list(data)
    traces = with_spans([_trace_of(item) for item in items], store)
    records: list[DatasetRecord] = []
    for position, (item, trace) in enumerate(zip(items, traces, strict=False)):
        try:
            records.append(_record(item, trace))
        except InvalidArgumentError as exc:
            raise InvalidArgumentError(f"record {position}: {exc}") from None
    return records


def with_spans(traces: Sequence[Trace | str | None], store: TraceStore) -> list[Trace | None]:
    """The traces with their spans: ids and traces read without spans (search_traces(...,
    include_spans=False)) are read from the store, in batches."""
    wanted: list[str] = [
        t if isinstance(t, str) else t.trace_id
        for t in traces
        if isinstance(t, str) or (isinstance(t, Trace) and not t.data.spans)
    ]
    found: dict[str, Trace] = {}
    for start in range(0, len(wanted), _TRACES_PER_READ):
        batch = list(dict.fromkeys(wanted[start : start + _TRACES_PER_READ]))
        for trace in _read(store, batch):
            found[trace.trace_id] = trace
    result: list[Trace | None] = []
    for t in traces:
        if t is None:
            result.append(None)
            continue
        trace_id = t if isinstance(t, str) else t.trace_id
        if trace_id in found:
            result.append(found[trace_id])
        elif isinstance(t, Trace):
            result.append(t)
        else:
            raise NotFoundError(f"no trace with id {trace_id!r}")
    return result


def _read(store: TraceStore, trace_ids: list[str]) -> list[Trace]:
    return [store.get_trace(trace_id) for trace_id in trace_ids]


def _trace_of(item: Any) -> Trace | str | None:
    if isinstance(item, Trace):
        return item
    if isinstance(item, Mapping) and "inputs" not in item:
        found = item.get("trace", item.get("trace_id"))
        if isinstance(found, (Trace, str)):
            return found
    return None


def _record(item: Any, trace: Trace | None) -> DatasetRecord:
    if isinstance(item, DatasetRecord):
        return item.validated()
    if trace is not None:
        record = record_from_trace(trace)
        if isinstance(item, Mapping) and item.get("expectations"):
            record = record.merged_with(
                DatasetRecord(
                    record.inputs,
                    dict(item["expectations"]),
                    source_type="TRACE",
                    source_id=trace.trace_id,
                )
            )
        return record.validated()
    if isinstance(item, Mapping):
        return DatasetRecord.from_dict(item).validated()
    raise InvalidArgumentError(f"cannot make a dataset record from {_kind(item)}")


def _missing(value: Any) -> bool:
    return isinstance(value, float) and value != value  # NaN, pandas' empty cell


def _kind(value: Any) -> str:
    return type(value).__name__
