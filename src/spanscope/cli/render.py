"""Rich rendering of traces, spans and experiments for the terminal."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from spanscope.entities.experiment import Experiment
from spanscope.entities.span import Span
from spanscope.entities.span_status import SpanStatusCode
from spanscope.entities.trace import Trace

__all__ = ["clip", "clock", "experiments_table", "span_tree", "traces_table"]

_STATE_STYLE = {"OK": "green", "ERROR": "bold red", "IN_PROGRESS": "yellow"}


def _time(ms: int | None) -> str:
    if ms is None:
        return ""
    moment = datetime.datetime.fromtimestamp(ms / 1000, tz=datetime.timezone.utc)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def clock(ms: int | None) -> str:
    """The time of day (UTC) of a timestamp in ms."""
    return _time(ms)[11:]


def clip(text: str | None, width: int = 60) -> str:
    if not text:
        return ""
    text = text.replace("\n", " ")
    return text if len(text) <= width else text[: width - 1] + "…"


def traces_table(traces: Sequence[Trace]) -> Table:
    table = Table(show_lines=False)
    for column in ("trace id", "name", "state", "time (UTC)", "ms", "tokens", "session", "request"):
        table.add_column(column, no_wrap=column in ("trace id", "time (UTC)"), overflow="ellipsis")
    for trace in traces:
        info = trace.info
        usage = info.token_usage or {}
        state = info.state.value
        table.add_row(
            info.trace_id,
            Text(info.name or ""),
            Text(state, style=_STATE_STYLE.get(state, "")),
            _time(info.request_time),
            "" if info.execution_duration is None else str(info.execution_duration),
            str(usage.get("total_tokens", "")),
            Text(info.session_id or ""),
            Text(clip(info.request_preview)),
        )
    return table


def experiments_table(experiments: Sequence[Experiment]) -> Table:
    table = Table()
    for column in ("id", "name", "traces", "last activity (UTC)", "created (UTC)"):
        table.add_column(column)
    for experiment in experiments:
        table.add_row(
            experiment.experiment_id,
            Text(experiment.name),
            str(experiment.trace_count or 0),
            _time(experiment.last_trace_time),
            _time(experiment.created_at),
        )
    return table


def span_tree(trace: Trace) -> Tree:
    """The trace as a rich Tree: name, type, duration, status, short inputs and outputs."""
    info = trace.info
    header = Text(f"Trace {info.trace_id} ", style="bold")
    header.append(info.state.value, style=_STATE_STYLE.get(info.state.value, ""))
    if info.execution_duration is not None:
        header.append(f"  {info.execution_duration} ms")
    tree = Tree(header)
    spans = trace.data.spans
    ids = {span.span_id for span in spans}
    children: dict[str | None, list[Span]] = {}
    for span in spans:
        children.setdefault(span.parent_id if span.parent_id in ids else None, []).append(span)

    def add(node: Tree, span: Span) -> None:
        label = Text(span.name, style="bold")
        label.append(f" [{span.span_type}]", style="cyan")
        if span.duration_ns is not None:
            label.append(f" {span.duration_ns / 1e6:.1f} ms", style="dim")
        if span.status.status_code is SpanStatusCode.ERROR:
            label.append(f"  {span.status.description}", style="bold red")
        branch = node.add(label)
        for name, value in (("in", span.inputs), ("out", span.outputs)):
            if value is not None:
                branch.add(Text(f"{name}: {clip(str(value), 100)}", style="dim"))
        for child in sorted(children.get(span.span_id, []), key=lambda s: s.start_time_ns):
            add(branch, child)

    for root in sorted(children.get(None, []), key=lambda s: s.start_time_ns):
        add(tree, root)
    return tree
