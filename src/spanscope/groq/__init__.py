"""Tracing of the Groq Python SDK: `spanscope.groq.autolog()`."""

from __future__ import annotations

from spanscope.patching.integration import Integration, configure_autolog

__all__ = ["INTEGRATION", "autolog"]

INTEGRATION = Integration(
    name="groq",
    library="groq",
    distribution="groq",
    min_version="1.7",
    kind="patch",
    records="chat completions: the chat in the GenAI shape, tool calls, usage, streams",
)


def autolog(disable: bool = False, silent: bool = False, log_traces: bool = True) -> None:
    """Trace every chat completion made through the `groq` SDK, sync and async, streamed or not.

    `client.chat.completions.create` gets one span per call with the request as inputs, the
    response (assembled for streams) as outputs, and the chat, tools and token usage in the
    GenAI shape. Calling it again re-applies the patches (never doubles them); `disable=True`
    removes them; `silent=True` mutes spanscope's warnings about its own errors;
    `log_traces=False` turns tracing of this library off.
    """
    import groq  # noqa: F401  (fails clearly here when the library is missing)

    from spanscope.groq._patch import patch

    configure_autolog(INTEGRATION, patch, disable, silent, log_traces)
