"""Tracing of the Mistral Python SDK: `spanscope.mistral.autolog()`."""

from __future__ import annotations

from spanscope.patching.integration import Integration, configure_autolog

__all__ = ["INTEGRATION", "autolog"]

INTEGRATION = Integration(
    name="mistral",
    library="mistralai",
    distribution="mistralai",
    min_version="3.7",
    kind="patch",
    records="chat and embeddings: the chat in the GenAI shape, tool calls, usage, streams",
)


def autolog(disable: bool = False, silent: bool = False, log_traces: bool = True) -> None:
    """Trace every chat and embeddings call of the `mistralai` SDK, sync and async.

    `client.chat.complete`, `chat.stream` (and their `_async` twins, and the `parse` helpers
    built on them) and `client.embeddings.create` each get one span with the request as inputs,
    the response (assembled for streams) as outputs, and the chat, tools and token usage in
    the GenAI shape. Calling it again re-applies the patches (never doubles them);
    `disable=True` removes them; `silent=True` mutes spanscope's warnings about its own
    errors; `log_traces=False` turns tracing of this library off.
    """
    import mistralai.client  # noqa: F401  (fails clearly here when the library is missing)

    from spanscope.mistral._patch import patch

    configure_autolog(INTEGRATION, patch, disable, silent, log_traces)
