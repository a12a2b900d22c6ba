"""MCP client tracing: `spanscope.mcp.autolog()`.

Importing this module does not import the `mcp` package; `autolog()` does.
"""

from __future__ import annotations

from spanscope.patching.integration import Integration, configure_autolog

__all__ = ["INTEGRATION", "autolog"]

INTEGRATION = Integration(
    name="mcp",
    library="mcp",
    distribution="mcp",
    min_version="1.26",
    kind="patch",
    records="MCP client tool listings and calls, resource reads and prompts, with the server",
)


def autolog(disable: bool = False, silent: bool = False, log_traces: bool = True) -> None:
    """Trace MCP clients: each `ClientSession` tool listing and tool call (also through
    `mcp.Client` and `ClientSessionGroup`) as a TOOL span, each resource read as a RETRIEVER
    span, resource and prompt listings and `get_prompt` as spans of their own.

    A tool result with `isError` marks its span ERROR and is returned unchanged; a protocol
    or transport error reaches the caller unchanged. Calling it again never doubles the
    patches; `disable=True` restores the library's own methods; `silent=True` mutes
    spanscope's warnings about its own errors; `log_traces=False` turns tracing of this
    library off.
    """

    def patch() -> None:
        from spanscope.mcp._patch import patch as apply

        apply()

    configure_autolog(INTEGRATION, patch, disable, silent, log_traces)
