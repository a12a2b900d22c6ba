"""The self-contained HTML tree of a trace, and the iframe when a server is reachable."""

from __future__ import annotations

import re

import pytest

import spanscope
from spanscope.display import render_trace_html, trace_mimebundle
from spanscope.display.html import MAX_SPANS, MAX_VALUE_CHARS
from spanscope.display.state import DISPLAY
from spanscope.entities import Trace
from spanscope.server.settings import ServerSettings
from spanscope.testing.server import free_port
from tests.live_server import server_thread

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


class LedgerError(Exception):
    pass


def _last_trace() -> Trace:
    trace_id = spanscope.get_last_active_trace_id()
    assert trace_id is not None
    return spanscope.get_trace(trace_id)


def _agent_trace() -> Trace:
    @spanscope.trace(span_type="TOOL")
    def lookup(order_id: str) -> dict[str, str]:
        raise LedgerError(f"no order {order_id}")

    @spanscope.trace(span_type="AGENT")
    def agent(question: str) -> str:
        spanscope.update_current_trace(session_id="s-1", user_id="u-7", tags={"env": "test"})
        with spanscope.start_span("retrieve", span_type="RETRIEVER") as span:
            span.set_outputs([{"page_content": "Refunds take 5 days.", "metadata": {}}])
        lookup("A-1")
        return "unreachable"

    with pytest.raises(LedgerError):
        agent("Where is my refund?")
    return _last_trace()


def test_tree_shows_spans_nested_with_types_durations_and_errors() -> None:
    html = render_trace_html(_agent_trace())
    assert html.startswith('<div class="spanscope-trace">')
    assert (
        "ERROR" in html and "session <code>s-1</code>" in html and "user <code>u-7</code>" in html
    )
    # The tree nests: the agent's <details> holds both children.
    agent_at = html.index('<span class="ss-type">AGENT</span> agent')
    assert agent_at < html.index('<span class="ss-type">RETRIEVER</span> retrieve')
    assert agent_at < html.index('<span class="ss-type">TOOL</span> lookup')
    assert html.count("<details") == html.count("</details>")
    assert re.search(r'TOOL</span> lookup<span class="ss-dur">[\d.]+ ms</span>', html)
    # The exception, with its stack trace.
    assert "LedgerError: no order A-1" in html
    assert "Traceback (most recent call last)" in html and "in lookup" in html
    assert "Refunds take 5 days." in html


def test_every_string_from_the_trace_is_escaped() -> None:
    @spanscope.trace(name=XSS, span_type=XSS)
    def evil(payload: str) -> str:
        spanscope.update_current_trace(session_id=XSS, user_id=XSS, tags={XSS: XSS})
        raise ValueError(XSS)

    with pytest.raises(ValueError):
        evil(XSS)
    html = render_trace_html(_last_trace())
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;alert(" in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    # Self-contained: no script, no external asset.
    assert not re.search(r"<[^>]*\s(src|href)=", html)


def test_long_values_are_cut_with_a_note() -> None:
    @spanscope.trace
    def echo(text: str) -> str:
        return text

    echo("x" * (MAX_VALUE_CHARS + 500))
    html = render_trace_html(_last_trace())
    assert "x" * MAX_VALUE_CHARS in html and "x" * (MAX_VALUE_CHARS + 1) not in html
    assert "more characters" in html


def test_a_huge_trace_renders_a_bounded_tree() -> None:
    with spanscope.start_span("root", span_type="CHAIN"):
        for i in range(2000):
            with spanscope.start_span(f"step-{i}"):
                pass
    html = render_trace_html(_last_trace())
    assert html.count("<details") == MAX_SPANS
    assert f"{2001 - MAX_SPANS} more spans not shown" in html


def test_repr_mimebundle_is_the_tree_without_a_server() -> None:
    trace = _agent_trace()
    bundle = trace._repr_mimebundle_()
    assert bundle["text/plain"] == trace.to_text()
    assert bundle["text/html"] == render_trace_html(trace) == trace._repr_html_()


def test_reachable_server_gets_the_ui_in_an_iframe(tmp_path: object) -> None:
    trace = _agent_trace()
    settings = ServerSettings(backend_store_uri=f"sqlite:///{tmp_path}/server.db")
    with server_thread(settings) as url:
        spanscope.set_tracking_uri(url)
        html = trace._repr_mimebundle_()["text/html"]
        assert html.startswith("<iframe ")
        assert f'src="{url}/traces/{trace.trace_id}?embed=1"' in html
        assert DISPLAY.server_checks[url][1] is True
    # The answer is cached for a while, then checked again.
    DISPLAY.server_checks[url] = (0.0, True)
    assert "<iframe " not in trace_mimebundle([trace])["text/html"]


def test_unreachable_server_falls_back_to_the_tree() -> None:
    trace = _agent_trace()
    spanscope.set_tracking_uri(f"http://127.0.0.1:{free_port()}")
    html = trace_mimebundle([trace])["text/html"]
    assert html.startswith('<div class="spanscope-trace">')
