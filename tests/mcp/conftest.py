"""A real MCP server in-process, reached through the `mcp` package's in-memory transport,
with `spanscope.mcp.autolog()` on.

The tests run on mcp 1.x and 2.x alike: `make_server()` makes whichever server class the
installed version has (`FastMCP` / `MCPServer`), `connect(server)` yields a client with the
same request methods (a `ClientSession` / an `mcp.Client`).
"""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

import spanscope.mcp

pytest.importorskip("mcp")

import mcp  # after the skip
from mcp.client.session import ClientSession
from mcp.types import TextContent

__all__ = ["MCP_ERROR", "connect", "is_error", "make_server", "session_of", "text_of"]

MCP2 = hasattr(mcp, "Client")
_exceptions = importlib.import_module("mcp.shared.exceptions")
MCP_ERROR: type[Exception] = getattr(_exceptions, "MCPError" if MCP2 else "McpError")
"""The error a server's protocol error raises in the client."""


def _server_class() -> Any:
    if MCP2:
        return importlib.import_module("mcp.server.mcpserver").MCPServer
    return importlib.import_module("mcp.server.fastmcp").FastMCP


@asynccontextmanager
async def connect(server: Any) -> AsyncIterator[Any]:
    """A client connected to `server` in-process: an initialized session's request methods."""
    if MCP2:
        async with mcp.Client(server) as client:  # type: ignore[attr-defined,unused-ignore]
            yield client
    else:
        memory = importlib.import_module("mcp.shared.memory")
        async with memory.create_connected_server_and_client_session(server) as session:
            yield session


def session_of(client: Any) -> ClientSession:
    """The `ClientSession` under a client from `connect` (on mcp 1.x, the client itself)."""
    session = getattr(client, "session", client)
    assert isinstance(session, ClientSession)
    return session


def text_of(result: object) -> str:
    """The text of a tool result's first content block."""
    block = result.content[0]  # type: ignore[attr-defined]
    assert isinstance(block, TextContent)
    return block.text


def is_error(result: object) -> bool:
    """Whether a tool result is marked `isError` (`is_error` in mcp 2.x)."""
    return bool(getattr(result, "is_error", None) or getattr(result, "isError", None))


class OutOfStock(Exception):
    pass


def make_server() -> Any:
    server = _server_class()("shop")

    @server.tool()  # type: ignore[untyped-decorator]
    def get_price(item: str, quantity: int = 1) -> str:
        """The price of an item."""
        return f"{quantity} x {item}: {quantity * 3} EUR"

    @server.tool()  # type: ignore[untyped-decorator]
    def reserve(item: str) -> str:
        """Reserve an item."""
        raise OutOfStock(f"no {item} left")

    @server.resource("docs://returns", mime_type="text/plain")  # type: ignore[untyped-decorator]
    def returns_policy() -> str:
        return "Returns within 30 days."

    @server.prompt()  # type: ignore[untyped-decorator]
    def greet(name: str) -> str:
        """A greeting."""
        return f"Hello {name}, how can I help?"

    return server


@pytest.fixture(autouse=True)
def _autolog(_fresh_tracing: None) -> None:
    # After the suite-wide reset, which reverts it again after the test.
    spanscope.mcp.autolog()


@pytest.fixture
def server() -> Any:
    return make_server()
