"""Tracing of the Ollama Python client: `spanscope.ollama.autolog()`."""

from __future__ import annotations

from spanscope.patching.integration import Integration, configure_autolog

__all__ = ["INTEGRATION", "autolog"]

INTEGRATION = Integration(
    name="ollama",
    library="ollama",
    distribution="ollama",
    min_version="0.4",
    kind="patch",
    records="chat, generate and embed: the chat, tool calls, usage, streams",
)


def autolog(disable: bool = False, silent: bool = False, log_traces: bool = True) -> None:
    """Trace every chat, generate and embedding call of the `ollama` client, sync and async.

    `Client` and `AsyncClient` methods and the module-level `ollama.chat`, `ollama.generate`,
    `ollama.embed` and `ollama.embeddings` each get one span with the request as inputs, the
    response (assembled for streams) as outputs, and the chat, tools and token usage in the
    GenAI shape. Calling it again re-applies the patches (never doubles them); `disable=True`
    restores the originals; `silent=True` mutes spanscope's warnings about its own errors;
    `log_traces=False` turns tracing of this library off.
    """
    import ollama  # noqa: F401  (fails clearly here when the library is missing)

    from spanscope.ollama._patch import patch

    configure_autolog(INTEGRATION, patch, disable, silent, log_traces)
