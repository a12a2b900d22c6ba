"""A real MCP server in-process (`MCPServer`, reached through `mcp.Client`'s in-memory
transport), with `spanscope.mcp.autolog()` on."""

from __future__ import annotations

import pytest

import spanscope.mcp

pytest.importorskip("mcp")

from mcp.server.mcpserver import MCPServer  # after the skip
from mcp.types import TextContent

__all__ = ["make_server", "text_of"]


def text_of(result: object) -> str:
    """The text of a tool result's first content block."""
    block = result.content[0]  # type: ignore[attr-defined]
    assert isinstance(block, TextContent)
    return block.text


class OutOfStock(Exception):
    pass


def make_server() -> MCPServer:
    server = MCPServer("shop")

    @server.tool()
    def get_price(item: str, quantity: int = 1) -> str:
        """The price of an item."""
        return f"{quantity} x {item}: {quantity * 3} EUR"

    @server.tool()
    def reserve(item: str) -> str:
        """Reserve an item."""
        raise OutOfStock(f"no {item} left")

    @server.resource("docs://returns", mime_type="text/plain")
    def returns_policy() -> str:
        return "Returns within 30 days."

    @server.prompt()
    def greet(name: str) -> str:
        """A greeting."""
        return f"Hello {name}, how can I help?"

    return server


@pytest.fixture(autouse=True)
def _autolog(_fresh_tracing: None) -> None:
    # After the suite-wide reset, which reverts it again after the test.
    spanscope.mcp.autolog()


@pytest.fixture
def server() -> MCPServer:
    return make_server()
