"""The patched `ClientSession` methods: one span per MCP request the client sends.

`ClientSession` is where every client request goes (`mcp.Client` and `ClientSessionGroup`
call its methods), so its methods are the choke points; `send_request` is not patched, so
the protocol's housekeeping (initialize, ping) stays out of traces. The methods have the
same names and the same leading arguments in mcp 1.x and 2.x. `initialize` is patched
without a span: mcp 1.x sessions do not keep the server's name, so it is noted here.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Any

from spanscope.constants import SpanAttributeKey as K
from spanscope.entities.span_status import SpanStatusCode
from spanscope.entities.span_type import SpanType
from spanscope.mcp import _results
from spanscope.patching import SKIP, CallHooks, safe_patch
from spanscope.tracing.context import CURRENT_SPAN
from spanscope.tracing.live_span import LiveSpan, NoOpSpan
from spanscope.tracing.processor import encode_attributes, start_span

__all__ = ["KIND", "MCP_METHOD", "MCP_SERVER", "patch"]

INTEGRATION = "mcp"
KIND = "mcp autolog"
MCP_SERVER = "mcp.server.name"
MCP_METHOD = "mcp.method.name"  # the OpenTelemetry MCP convention's key
MCP_URI = "mcp.resource.uri"


@dataclass(slots=True)
class _State:
    span: LiveSpan | NoOpSpan


# The server's name by session, from its initialize result (mcp 1.x keeps no `server_info`).
_SERVER_NAMES: weakref.WeakKeyDictionary[Any, str] = weakref.WeakKeyDictionary()


def _server_name(session: Any) -> str | None:
    info = getattr(session, "server_info", None)  # mcp 2.x
    name = getattr(info, "name", None)
    if isinstance(name, str):
        return name
    return _SERVER_NAMES.get(session)


class _Initialize(CallHooks):
    """No span: notes the name of the server the session is connected to."""

    def before(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        return args[0] if args else SKIP

    def after(self, state: Any, result: Any) -> Any:
        info = _results.field(result, "server_info", "serverInfo")
        name = getattr(info, "name", None)
        if isinstance(name, str):
            _SERVER_NAMES[state] = name
        return result


def _argument(args: tuple[Any, ...], kwargs: dict[str, Any], index: int, key: str) -> Any:
    return args[index] if len(args) > index else kwargs.get(key)


class _Hooks(CallHooks):
    """One MCP request: a span named after the method (and the tool, prompt or resource)."""

    method = ""
    span_type = SpanType.UNKNOWN

    def name_and_inputs(
        self, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[str, Any, dict[str, Any]]:
        params = kwargs.get("params")
        if params is not None:
            cursor = getattr(params, "cursor", None)
        else:  # mcp 1.x also takes the cursor itself (deprecated)
            cursor = _argument(args, kwargs, 1, "cursor")
        return self.method, {"cursor": cursor}, {}  # None: the first page

    def outputs(self, result: Any) -> Any:
        return _results.dump(result)

    def before(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        name, inputs, attributes = self.name_and_inputs(args, kwargs)
        attributes[MCP_METHOD] = self.method
        server = _server_name(args[0]) if args else None
        if server is not None:
            attributes[MCP_SERVER] = server
        span = start_span(name, encode_attributes(self.span_type, attributes))
        if inputs is not None:
            span.set_inputs(inputs)
        return _State(span) if isinstance(span, LiveSpan) else SKIP

    def after(self, state: _State, result: Any) -> Any:
        try:
            state.span.set_outputs(self.outputs(result))
            self.check(state.span, result)
        finally:
            state.span.end()
        return result

    def check(self, span: LiveSpan | NoOpSpan, result: Any) -> None:
        pass

    def error(self, state: _State, exc: BaseException) -> None:
        state.span.record_exception(exc)
        state.span.end()


class _ListTools(_Hooks):
    method = "tools/list"
    span_type = SpanType.TOOL

    def before(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        # A tool call lists the tools itself to validate a result whose tool it has not
        # seen: the session's housekeeping, not a listing of the caller's.
        current = CURRENT_SPAN.get()
        if isinstance(current, LiveSpan) and current.get_attribute(MCP_METHOD) == "tools/call":
            return SKIP
        return super().before(args, kwargs)

    def outputs(self, result: Any) -> Any:
        return {"tools": _results.tool_list(result)}


class _CallTool(_Hooks):
    method = "tools/call"
    span_type = SpanType.TOOL

    def name_and_inputs(
        self, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[str, Any, dict[str, Any]]:
        tool = _argument(args, kwargs, 1, "name")
        arguments = _argument(args, kwargs, 2, "arguments")
        attributes = {K.GEN_AI_TOOL_NAME: tool, K.GEN_AI_OPERATION: "execute_tool"}
        return f"{self.method} {tool}", arguments or {}, attributes

    def outputs(self, result: Any) -> Any:
        return _results.content(result)

    def check(self, span: LiveSpan | NoOpSpan, result: Any) -> None:
        # The server ran the tool and it failed: the caller gets the result, the span is ERROR.
        if _results.field(result, "is_error", "isError"):
            span.set_status(SpanStatusCode.ERROR, _results.error_text(result))


class _ListResources(_Hooks):
    method = "resources/list"

    def outputs(self, result: Any) -> Any:
        return {"resources": _results.names(result, "resources")}


class _ReadResource(_Hooks):
    method = "resources/read"
    span_type = SpanType.RETRIEVER

    def name_and_inputs(
        self, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[str, Any, dict[str, Any]]:
        uri = str(_argument(args, kwargs, 1, "uri"))
        return f"{self.method} {uri}", {"uri": uri}, {MCP_URI: uri}

    def outputs(self, result: Any) -> Any:
        return _results.documents(result)


class _ListPrompts(_Hooks):
    method = "prompts/list"

    def outputs(self, result: Any) -> Any:
        return {"prompts": _results.names(result, "prompts")}


class _GetPrompt(_Hooks):
    method = "prompts/get"

    def name_and_inputs(
        self, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[str, Any, dict[str, Any]]:
        prompt = _argument(args, kwargs, 1, "name")
        arguments = _argument(args, kwargs, 2, "arguments")
        return f"{self.method} {prompt}", {"name": prompt, "arguments": arguments or {}}, {}

    def outputs(self, result: Any) -> Any:
        return {"messages": _results.prompt_messages(result)}


_HOOKS: dict[str, type[_Hooks]] = {
    "list_tools": _ListTools,
    "call_tool": _CallTool,
    "list_resources": _ListResources,
    "read_resource": _ReadResource,
    "list_prompts": _ListPrompts,
    "get_prompt": _GetPrompt,
}


def patch() -> None:
    """Apply every patch (autolog() reverts the previous ones first)."""
    from mcp.client.session import ClientSession

    safe_patch(INTEGRATION, ClientSession, "initialize", _Initialize())
    for method, hooks in _HOOKS.items():
        safe_patch(INTEGRATION, ClientSession, method, hooks())
