"""Tool listings and calls, resources and prompts through `mcp.Client`: whole span trees."""

from __future__ import annotations

from typing import Any

import pytest

import spanscope
from spanscope.mcp._patch import MCP_METHOD, MCP_SERVER
from spanscope.testing import TraceCapture, span_tree
from tests.mcp.conftest import MCP_ERROR, connect, is_error, text_of
from tests.outline import outline

TOOL = ["gen_ai.tool.name", MCP_METHOD, MCP_SERVER]


def node(name: str, span_type: str, inputs: Any, outputs: Any, **rest: Any) -> dict[str, Any]:
    out = {"name": name, "span_type": span_type, "status": rest.pop("status", "OK")}
    if "error" in rest:
        out["error"] = rest.pop("error")
    return {**out, "inputs": inputs, "outputs": outputs, "events": [], **rest, "children": []}


async def test_a_tool_is_listed_and_called_under_the_callers_span(
    server: Any, spanscope_traces: TraceCapture
) -> None:
    @spanscope.trace(span_type="AGENT")
    async def shopper() -> Any:
        async with connect(server) as client:
            listed = await client.list_tools()
            return listed, await client.call_tool("get_price", {"item": "apple", "quantity": 2})

    listed, result = await shopper()

    assert [tool.name for tool in listed.tools] == ["get_price", "reserve"]
    assert text_of(result) == "2 x apple: 6 EUR"
    (root,) = span_tree(spanscope_traces.single(), attributes=TOOL)
    assert root["name"] == "shopper"
    listing, call = root["children"]
    assert listing["name"] == "tools/list"
    assert [t["name"] for t in listing["outputs"]["tools"]] == ["get_price", "reserve"]
    assert listing["outputs"]["tools"][0]["description"] == "The price of an item."
    assert listing["outputs"]["tools"][0]["input_schema"]["required"] == ["item"]
    assert call == node(
        "tools/call get_price",
        "TOOL",
        {"item": "apple", "quantity": 2},
        {
            "content": [{"type": "text", "text": "2 x apple: 6 EUR"}],
            "structured_content": {"result": "2 x apple: 6 EUR"},
        },
        attributes={"gen_ai.tool.name": "get_price", MCP_METHOD: "tools/call", MCP_SERVER: "shop"},
    )


async def test_a_tool_error_result_is_returned_and_marks_the_span(
    server: Any, spanscope_traces: TraceCapture
) -> None:
    async with connect(server) as client:
        result = await client.call_tool("reserve", {"item": "pear"})

    assert is_error(result)
    text = text_of(result)
    assert "reserve" in text
    assert span_tree(spanscope_traces.single(), attributes=TOOL) == [
        node(
            "tools/call reserve",
            "TOOL",
            {"item": "pear"},
            [{"type": "text", "text": text}],
            status="ERROR",
            error=text,
            attributes={
                "gen_ai.tool.name": "reserve",
                MCP_METHOD: "tools/call",
                MCP_SERVER: "shop",
            },
        )
    ]


async def test_a_protocol_error_is_re_raised_unchanged_and_recorded(
    server: Any, spanscope_traces: TraceCapture
) -> None:
    async with connect(server) as client:
        with pytest.raises(MCP_ERROR) as caught:
            await client.read_resource("docs://missing")

    assert "docs://missing" in str(caught.value)
    (span,) = spanscope_traces.single().data.spans
    assert (span.name, span.span_type, span.status.status_code.value) == (
        "resources/read docs://missing",
        "RETRIEVER",
        "ERROR",
    )
    assert [e.name for e in span.events] == ["exception"]
    assert span.events[0].attributes["exception.type"] == MCP_ERROR.__name__


async def test_resources_and_prompts(server: Any, spanscope_traces: TraceCapture) -> None:
    @spanscope.trace
    async def browse() -> Any:
        async with connect(server) as client:
            await client.list_resources()
            doc = await client.read_resource("docs://returns")
            await client.list_prompts()
            prompt = await client.get_prompt("greet", {"name": "Ann"})
            return doc, prompt

    doc, prompt = await browse()

    assert doc.contents[0].text == "Returns within 30 days."
    assert prompt.messages[0].content.text == "Hello Ann, how can I help?"
    trace = spanscope_traces.single()
    assert outline(trace) == [
        "browse [UNKNOWN]",
        "  resources/list [UNKNOWN]",
        "  resources/read docs://returns [RETRIEVER]",
        "  prompts/list [UNKNOWN]",
        "  prompts/get greet [UNKNOWN]",
    ]
    spans = {s.name: s for s in trace.data.spans}
    assert spans["resources/read docs://returns"].outputs == [
        {
            "page_content": "Returns within 30 days.",
            "metadata": {"uri": "docs://returns", "mime_type": "text/plain"},
            "id": "docs://returns",
        }
    ]
    assert [r["uri"] for r in spans["resources/list"].outputs["resources"]] == ["docs://returns"]
    assert [p["name"] for p in spans["prompts/list"].outputs["prompts"]] == ["greet"]
    get = spans["prompts/get greet"]
    assert get.inputs == {"name": "greet", "arguments": {"name": "Ann"}}
    assert get.outputs == {
        "messages": [
            {"role": "user", "content": {"type": "text", "text": "Hello Ann, how can I help?"}}
        ]
    }
    assert {s.get_attribute(MCP_SERVER) for s in trace.data.spans[1:]} == {"shop"}
