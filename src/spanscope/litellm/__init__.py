"""Tracing of LiteLLM: `spanscope.litellm.autolog()`."""

from __future__ import annotations

from spanscope.patching.integration import Integration, configure_autolog

__all__ = ["INTEGRATION", "autolog"]

INTEGRATION = Integration(
    name="litellm",
    library="litellm",
    distribution="litellm",
    min_version="1.60",
    kind="patch",
    records=(
        "completion and embedding through any provider: the chat, tool calls, usage, cost, streams"
    ),
)


def autolog(disable: bool = False, silent: bool = False, log_traces: bool = True) -> None:
    """Trace every `litellm.completion`, `acompletion`, `embedding` and `aembedding` call.

    Each call gets one span with the request (credentials redacted) as inputs, the response
    (rebuilt from the chunks for streams) as outputs, and the chat, tools, provider and token
    usage in the GenAI shape. A streamed call returns litellm's own `CustomStreamWrapper`,
    traced in place. Calling it again re-applies the patches (never doubles them);
    `disable=True` restores the originals; `silent=True` mutes spanscope's warnings about its
    own errors; `log_traces=False` turns tracing of this library off.
    """
    import litellm  # noqa: F401  (fails clearly here when the library is missing)

    from spanscope.litellm._patch import patch

    configure_autolog(INTEGRATION, patch, disable, silent, log_traces)
