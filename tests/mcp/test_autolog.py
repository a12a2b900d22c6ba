"""autolog on / off / twice, the session used directly, and spanscope's own errors."""

from __future__ import annotations

from typing import Any

import pytest
from mcp.client.session import ClientSession

import spanscope
import spanscope.mcp
from spanscope.mcp import _results
from spanscope.testing import TraceCapture, strict_mode
from tests.autolog_checks import imported_by
from tests.mcp.conftest import connect, session_of, text_of
from tests.outline import outline

METHODS = (
    "initialize",
    "list_tools",
    "call_tool",
    "list_resources",
    "read_resource",
    "list_prompts",
    "get_prompt",
)


def test_importing_the_integration_does_not_import_the_library() -> None:
    assert imported_by("spanscope.mcp", "mcp") == [False]


def test_disable_restores_the_original_methods() -> None:
    spanscope.mcp.autolog(disable=True)
    originals = {name: vars(ClientSession)[name] for name in METHODS}
    spanscope.mcp.autolog()
    assert all(vars(ClientSession)[name] is not originals[name] for name in METHODS)
    spanscope.mcp.autolog(disable=True)
    assert all(vars(ClientSession)[name] is originals[name] for name in METHODS)


async def test_disabled_it_traces_nothing(server: Any, spanscope_traces: TraceCapture) -> None:
    spanscope.mcp.autolog(disable=True)
    async with connect(server) as client:
        await client.call_tool("get_price", {"item": "fig"})
    assert spanscope_traces.traces == []


async def test_twice_traces_once(server: Any, spanscope_traces: TraceCapture) -> None:
    spanscope.mcp.autolog()
    async with connect(server) as client:
        await client.call_tool("get_price", {"item": "fig"})
    # The tools the session lists to validate the result are its housekeeping: no span.
    assert outline(spanscope_traces.single()) == ["tools/call get_price [TOOL]"]


async def test_the_session_used_directly(server: Any, spanscope_traces: TraceCapture) -> None:
    async with connect(server) as client:
        session = session_of(client)
        result = await session.call_tool(name="get_price", arguments={"item": "kiwi"})
    assert text_of(result) == "1 x kiwi: 3 EUR"
    span = spanscope_traces.single().data.spans[0]
    assert (span.name, span.inputs) == ("tools/call get_price", {"item": "kiwi"})


@pytest.mark.internal_errors
async def test_an_error_of_spanscope_does_not_change_the_call(
    server: Any, spanscope_traces: TraceCapture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(result: object) -> object:
        raise RuntimeError("injected")

    monkeypatch.setattr(_results, "content", broken)
    with strict_mode(False):
        async with connect(server) as client:
            result = await client.call_tool("get_price", {"item": "fig"})

    assert text_of(result) == "1 x fig: 3 EUR"
    assert spanscope.tracing.stats().internal_errors == 1
    span = spanscope_traces.single().data.spans[0]
    assert (span.name, span.outputs) == ("tools/call get_price", None)
    assert span.end_time_ns is not None
