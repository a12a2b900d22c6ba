"""Tracing Semantic Kernel: `spanscope.semantic_kernel.autolog()`.

Importing this module does not import Semantic Kernel; `autolog()` does.
"""

from __future__ import annotations

from spanscope.patching.integration import Integration, configure_autolog

__all__ = ["INTEGRATION", "autolog"]

INTEGRATION = Integration(
    name="semantic_kernel",
    library="semantic_kernel",
    distribution="semantic-kernel",
    min_version="1.44",
    kind="patch",
    records="kernel function invocations, auto-invoked plugin functions, chat completion calls",
)


def autolog(disable: bool = False, silent: bool = False, log_traces: bool = True) -> None:
    """Trace Semantic Kernel's function invocations and chat completion services.

    Each kernel function invocation (`Kernel.invoke`, `invoke_prompt`, their streams, a
    function's own `invoke`) becomes a CHAIN span named after the function; a function the
    model calls through auto function calling a TOOL span; each chat completion call
    (`get_chat_message_contents`, `get_streaming_chat_message_contents` of every chat
    completion service) a CHAT_MODEL span with the conversation, model and token usage, the
    functions it calls inside. Calling it again re-applies the patches (never doubles them);
    `disable=True` restores Semantic Kernel's own methods; `silent=True` mutes spanscope's
    warnings about its own errors; `log_traces=False` records nothing.
    """
    import semantic_kernel  # noqa: F401  (fails early and clearly when it is not installed)

    from spanscope.semantic_kernel._patch import patch

    configure_autolog(INTEGRATION, patch, disable, silent, log_traces)
