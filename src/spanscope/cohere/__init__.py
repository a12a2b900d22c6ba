"""Tracing the Cohere SDK (API v2): `spanscope.cohere.autolog()`."""

from __future__ import annotations

from spanscope.patching.integration import Integration, configure_autolog

__all__ = ["INTEGRATION", "autolog"]

INTEGRATION = Integration(
    name="cohere",
    library="cohere",
    distribution="cohere",
    min_version="7.3",
    kind="patch",
    records=(
        "ClientV2 chat (and streams), embed, rerank: the chat with tool plans, tool calls and"
        " results, usage counted once"
    ),
)


def autolog(disable: bool = False, silent: bool = False, log_traces: bool = True) -> None:
    """Trace every v2 chat, embed and rerank call of the Cohere SDK, sync and async.

    Each `chat` and `chat_stream` of `cohere.ClientV2` / `AsyncClientV2` (and of a v1
    client's `.v2`, and `with_raw_response`) becomes one CHAT_MODEL span with the
    conversation, tools, tool plan and calls, token usage, finish reason and response id;
    each `embed` one EMBEDDING span and each `rerank` one RERANKER span. Clients made before
    autolog() are traced too. Calling it again re-applies the patches (never doubles them);
    `disable=True` restores the SDK's own methods; `silent=True` mutes spanscope's warnings
    about its own errors; `log_traces=False` records nothing.
    """
    import cohere  # noqa: F401  (fails early and clearly when the SDK is not installed)

    from spanscope.cohere._patch import patch

    configure_autolog(INTEGRATION, patch, disable, silent, log_traces)
