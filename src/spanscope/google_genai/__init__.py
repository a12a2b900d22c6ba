"""Tracing the google-genai SDK (Gemini): `spanscope.google_genai.autolog()`."""

from __future__ import annotations

from spanscope.patching.integration import Integration, configure_autolog

__all__ = ["INTEGRATION", "autolog"]

INTEGRATION = Integration(
    name="google_genai",
    library="google.genai",
    distribution="google-genai",
    min_version="2.30",
    kind="patch",
    records=(
        "generate_content (and streams, chats), embed_content: the chat with function calls"
        " and results, usage with thought tokens"
    ),
)


def autolog(disable: bool = False, silent: bool = False, log_traces: bool = True) -> None:
    """Trace every generate and embed call of the google-genai SDK, sync and async.

    Each `client.models.generate_content` and `generate_content_stream` (and the `client.aio`
    twins, and chat sessions, which send through them) becomes one CHAT_MODEL span with the
    conversation, system instruction, tools, token usage (thoughts and cache reads included),
    finish reasons, response model and id; each `embed_content` one EMBEDDING span. Calling it
    again re-applies the patches (never doubles them); `disable=True` restores the SDK's own
    methods; `silent=True` mutes spanscope's warnings about its own errors; `log_traces=False`
    records nothing.
    """
    import google.genai  # noqa: F401  (fails early and clearly when the SDK is not installed)

    from spanscope.google_genai._patch import patch

    configure_autolog(INTEGRATION, patch, disable, silent, log_traces)
