"""LlamaIndex tracing: `spanscope.llama_index.autolog()`.

Importing this module does not import LlamaIndex; `autolog()` does.
"""

from __future__ import annotations

from spanscope.patching.integration import Integration, configure_autolog

__all__ = ["INTEGRATION", "autolog"]

INTEGRATION = Integration(
    name="llama_index",
    library="llama_index.core",
    distribution="llama-index-core",
    min_version="0.12",
    kind="callback",
    records=(
        "query and chat engines, retrievers, synthesizers, LLM and embedding calls, agents,"
        " workflows"
    ),
)


def autolog(disable: bool = False, silent: bool = False, log_traces: bool = True) -> None:
    """Trace LlamaIndex: query engines, retrievers, LLMs, embeddings, synthesizers, agents,
    tools and workflows, sync and async, streamed or not.

    A span handler and an event handler are added to LlamaIndex's root instrumentation
    dispatcher, so nothing is passed per call. Calling it again never doubles them;
    `disable=True` removes them; `silent=True` mutes spanscope's warnings about its own errors;
    `log_traces=False` turns tracing of this library off.
    """

    def patch() -> None:
        from spanscope.llama_index._handler import install

        install()

    configure_autolog(INTEGRATION, patch, disable, silent, log_traces)
