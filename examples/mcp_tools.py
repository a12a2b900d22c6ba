"""An assistant using an MCP server's tools and resources: it lists the tools, reads a
resource, calls a tool, and gets a tool error result, fully offline.

The MCP server is a real server run in-process (the `mcp` package's in-memory transport):
`MCPServer` reached through `mcp.Client` on mcp 2.x, `FastMCP` through a `ClientSession` on
mcp 1.x; both clients have the same request methods.
Run: `python examples/mcp_tools.py` (part of `make demo`).
"""

from __future__ import annotations

import asyncio

from mcp.types import TextContent

import spanscope

try:  # mcp 2.x
    from mcp import Client
    from mcp.server.mcpserver import MCPServer
except ImportError:  # mcp 1.x
    from mcp.server.fastmcp import FastMCP as MCPServer
    from mcp.shared.memory import create_connected_server_and_client_session as Client

server = MCPServer("travel-desk")


@server.tool()
def get_forecast(city: str, days: int = 1) -> str:
    """The weather forecast for a city."""
    return f"{city}: sunny for {days} day(s)"


@server.tool()
def book_hotel(city: str) -> str:
    """Book a hotel room."""
    raise RuntimeError(f"no rooms left in {city}")


@server.resource("docs://packing-list", mime_type="text/plain")
def packing_list() -> str:
    return "Sunglasses, sunscreen, a light jacket."


def text(result: object) -> str:
    blocks = getattr(result, "content", None) or getattr(result, "contents", [])
    return " ".join(getattr(block, "text", "") for block in blocks)


@spanscope.trace(name="travel_assistant", span_type="AGENT")
async def plan() -> list[str]:
    async with Client(server) as client:
        tools = await client.list_tools()
        packing = await client.read_resource("docs://packing-list")
        forecast = await client.call_tool("get_forecast", {"city": "Lisbon", "days": 3})
        booking = await client.call_tool("book_hotel", {"city": "Lisbon"})
    assert isinstance(forecast.content[0], TextContent)
    return [
        f"tools: {', '.join(tool.name for tool in tools.tools)}",
        f"packing: {text(packing)}",
        f"forecast: {text(forecast)}",
        f"booking failed: {getattr(booking, 'is_error', None) or booking.isError}",  # 2.x / 1.x
    ]


def main() -> None:
    spanscope.mcp.autolog()
    for line in asyncio.run(plan()):
        print(line)
    print()
    print(spanscope.get_trace(spanscope.get_last_active_trace_id()).to_text())


if __name__ == "__main__":
    main()
