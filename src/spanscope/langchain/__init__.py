"""LangChain and LangGraph tracing: `spanscope.langchain.autolog()`.

Importing this module does not import LangChain; `autolog()` does.
"""

from __future__ import annotations

from spanscope.patching.integration import Integration, configure_autolog

__all__ = ["INTEGRATION", "autolog"]

INTEGRATION = Integration(
    name="langchain",
    library="langchain_core",
    distribution="langchain-core",
    min_version="0.3",
    kind="callback",
    records=(
        "chains, chat models, tools, retrievers, parsers, agents and LangGraph nodes as a span tree"
    ),
)


def autolog(disable: bool = False, silent: bool = False, log_traces: bool = True) -> None:
    """Trace every LangChain / LangGraph run (chains, models, tools, retrievers, graphs).

    A callback handler is registered globally, so nothing is passed per call and runs in
    every thread and task are traced. `disable=True` turns tracing off again; `silent=True`
    mutes spanscope's warnings about this integration.
    """

    def patch() -> None:
        from spanscope.langchain._registration import enable

        enable()

    configure_autolog(INTEGRATION, patch, disable, silent, log_traces)
