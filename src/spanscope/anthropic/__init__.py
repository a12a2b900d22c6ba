"""Tracing the anthropic SDK: `spanscope.anthropic.autolog()`."""

from __future__ import annotations

from spanscope.patching.integration import Integration, configure_autolog

__all__ = ["INTEGRATION", "autolog"]

INTEGRATION = Integration(
    name="anthropic",
    library="anthropic",
    distribution="anthropic",
    min_version="0.40",
    kind="patch",
    records=(
        "Messages (and beta Messages): the chat with tool use and thinking, usage with "
        "cache tokens, streams"
    ),
)


def autolog(disable: bool = False, silent: bool = False, log_traces: bool = True) -> None:
    """Trace every Messages call of the anthropic SDK, sync and async, streamed or not.

    Each `messages.create`, `messages.stream` and `messages.parse` (and their `beta` twins)
    becomes one CHAT_MODEL span with the conversation, tools, token usage (cache reads and
    writes included), stop reason, response model and id. Calling it again re-applies the
    patches (never doubles them); `disable=True` restores the SDK's own methods; `silent=True`
    mutes spanscope's warnings about its own errors; `log_traces=False` records nothing.
    """
    import anthropic  # noqa: F401  (fails early and clearly when the SDK is not installed)

    from spanscope.anthropic._patch import patch

    configure_autolog(INTEGRATION, patch, disable, silent, log_traces)
