"""A trace as self-contained HTML: collapsible span tree, no external assets, no script.

Every string that comes from a trace (names, values, messages, stack traces, tags) goes
through `html.escape`, so a payload such as `<script>` shows as text and runs nothing.
"""

from __future__ import annotations

from html import escape
from typing import Any

import orjson

from spanscope.constants import ExceptionEventKey
from spanscope.entities.span import Span
from spanscope.entities.span_status import SpanStatusCode
from spanscope.entities.trace import Trace
from spanscope.entities.tree_text import children_by_parent

__all__ = ["MAX_SPANS", "MAX_VALUE_CHARS", "render_trace_html"]

MAX_SPANS = 300  # beyond this, a notebook cell gets slow; the web UI shows everything
MAX_VALUE_CHARS = 3000
_OPEN_DEPTH = 2  # levels of the tree shown unfolded
_PREVIEW_CHARS = 120

_STYLE = """<style>
.spanscope-trace{font-family:system-ui,sans-serif;font-size:13px;line-height:1.4;color:#1f2328}
.spanscope-trace summary{cursor:pointer;padding:1px 0}
.spanscope-trace .ss-body{margin-left:1.1em;border-left:1px solid #d0d7de;padding-left:.6em}
.spanscope-trace .ss-type{font-size:11px;font-weight:600;padding:0 4px;border-radius:3px;
background:#ddf4ff;color:#0969da}
.spanscope-trace .ss-dur{color:#656d76;margin-left:.4em}
.spanscope-trace .ss-error{color:#cf222e;font-weight:600;margin-left:.4em}
.spanscope-trace .ss-ok{color:#1a7f37;font-weight:600}
.spanscope-trace pre{margin:2px 0 4px;padding:4px 6px;background:#f6f8fa;border-radius:4px;
white-space:pre-wrap;word-break:break-word;max-height:24em;overflow:auto}
.spanscope-trace .ss-label{color:#656d76;font-size:11px;text-transform:uppercase}
.spanscope-trace .ss-note{color:#656d76;font-style:italic}
.spanscope-trace .ss-preview{color:#656d76;font-family:ui-monospace,monospace;font-size:12px}
</style>"""


def render_trace_html(trace: Trace) -> str:
    """The trace's header and span tree as one HTML fragment."""
    spans = trace.data.spans
    children = children_by_parent(spans)
    budget = [MAX_SPANS]
    body = "".join(_span(root, children, 0, budget) for root in children.get(None, []))
    hidden = len(spans) - (MAX_SPANS - budget[0])
    if hidden > 0:
        body += (
            f'<div class="ss-note">{hidden} more spans not shown here; '
            "open the trace in the spanscope UI, or print trace.to_text().</div>"
        )
    return f'<div class="spanscope-trace">{_STYLE}{_header(trace)}{body}</div>'


def _header(trace: Trace) -> str:
    info = trace.info
    state = info.state.value
    css = "ss-error" if state == "ERROR" else "ss-ok"
    parts = [
        f"<b>Trace</b> <code>{escape(info.trace_id)}</code>",
        f'<span class="{css}">{escape(state)}</span>',
    ]
    if info.execution_duration is not None:
        parts.append(f"{info.execution_duration} ms")
    usage = info.token_usage
    if usage:
        tokens = ", ".join(f"{escape(str(k))} {escape(str(v))}" for k, v in usage.items())
        parts.append(f"tokens: {tokens}")
    if info.session_id:
        parts.append(f"session <code>{escape(info.session_id)}</code>")
    if info.user_id:
        parts.append(f"user <code>{escape(info.user_id)}</code>")
    if info.tags:
        tags = ", ".join(f"{escape(k)}={escape(v)}" for k, v in sorted(info.tags.items()))
        parts.append(f"tags: {tags}")
    return f"<div>{' · '.join(parts)}</div>"


def _span(span: Span, children: dict[str | None, list[Span]], depth: int, budget: list[int]) -> str:
    if budget[0] <= 0:
        return ""
    budget[0] -= 1
    duration = span.duration_ns
    took = "" if duration is None else f'<span class="ss-dur">{duration / 1e6:.1f} ms</span>'
    error = ""
    if span.status.status_code is SpanStatusCode.ERROR:
        error = f'<span class="ss-error">ERROR {escape(span.status.description or "")}</span>'
    summary = (
        f'<summary><span class="ss-type">{escape(span.span_type)}</span> '
        f"{escape(span.name)}{took}{error}</summary>"
    )
    parts = [_value("inputs", span.inputs), _value("outputs", span.outputs)]
    parts.extend(_exception(event.attributes) for event in span.events if _is_exception(event.name))
    parts.extend(
        _span(child, children, depth + 1, budget) for child in children.get(span.span_id, [])
    )
    opened = " open" if depth < _OPEN_DEPTH else ""
    return f'<details{opened}>{summary}<div class="ss-body">{"".join(parts)}</div></details>'


def _value(label: str, value: Any) -> str:
    # Folded, with a one-line preview: the tree stays readable, the value is a click away.
    if value is None:
        return ""
    line = " ".join(_json(value, pretty=False).split())
    preview = line if len(line) <= _PREVIEW_CHARS else line[: _PREVIEW_CHARS - 1] + "…"
    return (
        f'<details><summary><span class="ss-label">{label}</span> '
        f'<span class="ss-preview">{escape(preview)}</span></summary>{_pre(_json(value))}</details>'
    )


def _is_exception(name: str) -> bool:
    return name == ExceptionEventKey.EVENT_NAME


def _exception(attributes: dict[str, Any]) -> str:
    kind = str(attributes.get(ExceptionEventKey.TYPE, "Exception"))
    message = str(attributes.get(ExceptionEventKey.MESSAGE, ""))
    stack = str(attributes.get(ExceptionEventKey.STACKTRACE, ""))
    return (
        f'<details open><summary class="ss-error">{escape(kind)}: {escape(message)}</summary>'
        f"{_pre(stack) if stack else ''}</details>"
    )


def _pre(text: str) -> str:
    # Cut long values, and say so: a preview never hides that it is one.
    if len(text) > MAX_VALUE_CHARS:
        rest = len(text) - MAX_VALUE_CHARS
        note = f'<span class="ss-note">… {rest} more characters (see span.inputs / .outputs)</span>'
        return f"<pre>{escape(text[:MAX_VALUE_CHARS])}</pre>{note}"
    return f"<pre>{escape(text)}</pre>"


def _json(value: Any, pretty: bool = True) -> str:
    if isinstance(value, str):
        return value
    try:
        return orjson.dumps(value, option=orjson.OPT_INDENT_2 if pretty else 0).decode()
    except TypeError:
        return repr(value)
