"""Tracing of the OpenAI Python SDK: `spanscope.openai.autolog()`."""

from __future__ import annotations

from spanscope.patching.integration import Integration, configure_autolog

__all__ = ["INTEGRATION", "autolog"]

INTEGRATION = Integration(
    name="openai",
    library="openai",
    distribution="openai",
    min_version="1.60",
    kind="patch",
    records=(
        "chat completions, Responses, embeddings, legacy completions: the chat in the GenAI"
        " shape, tool calls, usage, streams"
    ),
)


def autolog(disable: bool = False, silent: bool = False, log_traces: bool = True) -> None:
    """Trace every call made through the `openai` SDK, sync and async, streamed or not.

    Chat completions (`create`, `parse`), the Responses API (`create`, `parse`, streamed
    `retrieve`), embeddings and legacy completions each get one span with the request as
    inputs, the response as outputs, and the chat, tools and token usage in the GenAI shape.
    Calling it again re-applies the patches (never doubles them); `disable=True` removes them;
    `silent=True` mutes spanscope's warnings about its own errors; `log_traces=False` turns
    tracing of this library off.
    """
    import openai  # noqa: F401  (fails clearly here when the library is missing)

    from spanscope.openai._patch import patch

    configure_autolog(INTEGRATION, patch, disable, silent, log_traces)
