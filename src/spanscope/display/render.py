"""What a notebook shows for traces: the UI's explorer in an iframe, else the HTML tree."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from html import escape

from spanscope.constants import ENV_TRACKING_TOKEN
from spanscope.display.html import render_trace_html
from spanscope.display.state import DISPLAY
from spanscope.entities.trace import Trace
from spanscope.safety import log_internal_error
from spanscope.store.uri import get_tracking_uri

__all__ = ["MAX_TRACES", "reachable_server", "render_traces", "trace_mimebundle"]

MAX_TRACES = 10  # per output; more would make a cell unreadable
HEALTH_TIMEOUT_S = 0.5
HEALTH_TTL_S = 30.0
_IFRAME_HEIGHT_PX = 520


def reachable_server(uri: str | None = None) -> str | None:
    """The tracking server's base URL if the tracking URI is one and it answers /health.

    The answer is cached for HEALTH_TTL_S, so displaying many traces checks once.
    """
    uri = get_tracking_uri() if uri is None else uri
    if not uri.startswith(("http://", "https://")):
        return None
    base = uri.rstrip("/")
    now = time.monotonic()
    cached = DISPLAY.server_checks.get(base)
    if cached is not None and now - cached[0] < HEALTH_TTL_S:
        return base if cached[1] else None
    reachable = _answers_health(base)
    DISPLAY.server_checks[base] = (now, reachable)
    return base if reachable else None


def _answers_health(base: str) -> bool:
    import httpx  # loaded only when a server is configured

    token = os.environ.get(ENV_TRACKING_TOKEN)
    headers = {"authorization": f"Bearer {token}"} if token else {}
    try:
        response = httpx.get(f"{base}/health", headers=headers, timeout=HEALTH_TIMEOUT_S)
    except httpx.HTTPError:
        return False
    return response.status_code == 200


def render_traces(traces: Sequence[Trace]) -> str:
    """HTML for up to MAX_TRACES traces (a note says how many more there are)."""
    server = reachable_server()
    shown = traces[:MAX_TRACES]
    parts = [_iframe(server, t.trace_id) if server else render_trace_html(t) for t in shown]
    if len(traces) > MAX_TRACES:
        parts.append(
            f"<p><i>{len(traces) - MAX_TRACES} more traces not shown "
            f"(a notebook output shows at most {MAX_TRACES}).</i></p>"
        )
    return "\n".join(parts)


def trace_mimebundle(traces: Sequence[Trace]) -> dict[str, str]:
    """The MIME bundle IPython displays: HTML, and the text tree for plain terminals."""
    text = "\n\n".join(t.to_text() for t in traces[:MAX_TRACES])
    try:
        html = render_traces(traces)
    except Exception as exc:  # displaying a trace must not fail the cell
        log_internal_error("notebook display", exc)
        html = f"<pre>{escape(text)}</pre>"
    return {"text/plain": text, "text/html": html}


def _iframe(server: str, trace_id: str) -> str:
    src = escape(f"{server}/traces/{trace_id}?embed=1", quote=True)
    title = escape(f"spanscope trace {trace_id}", quote=True)
    return (
        f'<iframe src="{src}" title="{title}" width="100%" height="{_IFRAME_HEIGHT_PX}" '
        'style="border:1px solid #d0d7de;border-radius:6px" loading="lazy"></iframe>'
    )


Trace.renderer = trace_mimebundle
