"""Haystack tracing: `spanscope.haystack.autolog()`.

Importing this module does not import Haystack; `autolog()` does.
"""

from __future__ import annotations

from spanscope.patching.integration import Integration, configure_autolog

__all__ = ["INTEGRATION", "autolog"]

INTEGRATION = Integration(
    name="haystack",
    library="haystack",
    distribution="haystack-ai",
    min_version="3.4",
    kind="native",
    records="pipelines, components, generators, retrievers, embedders, agents and tools",
)


def autolog(disable: bool = False, silent: bool = False, log_traces: bool = True) -> None:
    """Trace Haystack pipelines and agents: each component run as a span typed by what the
    component is (chat generators, retrievers, embedders, agents, tools), sync and async.

    spanscope becomes Haystack's tracer (`haystack.tracing.enable_tracing`), replacing the
    one set before, which `disable=True` puts back. Content (inputs, outputs, messages) is
    recorded by spanscope's tracer without turning on Haystack's global content tracing.
    Calling it again never doubles spans; `silent=True` mutes spanscope's warnings about its
    own errors; `log_traces=False` turns tracing of this library off.
    """

    def patch() -> None:
        from spanscope.haystack._tracer import install

        install()

    configure_autolog(INTEGRATION, patch, disable, silent, log_traces)
