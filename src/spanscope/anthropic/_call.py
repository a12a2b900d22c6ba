"""The span of one Messages call: started from the request, finished from the reply."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from spanscope.anthropic import _messages
from spanscope.tracing.llm import LLMCall, start_llm_span

__all__ = ["PROVIDER", "AnthropicCall", "provider_of", "record_message", "start_call"]

PROVIDER = "anthropic"
OPERATION = "chat"


class AnthropicCall(LLMCall):
    """An LLMCall whose `end` is idempotent: a stream's span may end at `close()` and again
    when its iterator is finally closed or collected; only the first end counts."""

    __slots__ = ()

    def end(self, outputs: Any = None, error: BaseException | None = None) -> None:
        if not self.span.is_ended:
            LLMCall.end(self, outputs=outputs, error=error)


def provider_of(resource: Any) -> str:
    """The GenAI provider name of the client a resource belongs to: the SDK's Bedrock and
    Vertex clients name theirs (`aws.bedrock`, `gcp.vertex_ai`), as its own spans do."""
    client = getattr(resource, "_client", None)
    name = getattr(client, "_gen_ai_provider_name", None)
    return name if isinstance(name, str) and name else PROVIDER


def start_call(
    name: str, kwargs: Mapping[str, Any], provider: str = PROVIDER
) -> AnthropicCall | None:
    """Start the CHAT_MODEL span of a request; None when tracing is off or sampled out."""
    # Everything that can fail runs before the span starts, so a failure leaves no open span.
    messages = _messages.input_messages(kwargs.get("messages"))
    system = _messages.system_messages(kwargs.get("system"))
    tools = _messages.tool_definitions(kwargs.get("tools"))
    started = start_llm_span(
        name,
        provider=provider,
        operation=OPERATION,
        inputs=_messages.request_inputs(kwargs),
        model=_messages.request_model(kwargs),
    )
    if started is None:
        return None
    call = AnthropicCall(started.span)
    try:
        if messages is not None or system is not None:
            call.set_input_messages(messages or [], system=system)
        call.set_tools(tools)
    except BaseException:
        call.end()
        raise
    return call


def record_message(call: LLMCall, message: Any, complete: bool = True) -> None:
    """Set the reply's messages, finish reasons, usage, model and id on the span."""
    call.set_output_messages(_messages.output_messages(message), _messages.finish_reasons(message))
    call.set_usage(_messages.usage(message, complete))
    call.set_response(*_messages.response_ids(message))
