"""Pydantic AI tracing: `spanscope.pydantic_ai.autolog()`.

Importing this module does not import Pydantic AI; `autolog()` does.
"""

from __future__ import annotations

from spanscope.patching.integration import Integration, configure_autolog

__all__ = ["INTEGRATION", "autolog"]

INTEGRATION = Integration(
    name="pydantic_ai",
    library="pydantic_ai",
    distribution="pydantic-ai-slim",
    min_version="2.31",
    kind="native",
    records="agent runs, model requests with their messages and usage, and tool calls",
)


def autolog(disable: bool = False, silent: bool = False, log_traces: bool = True) -> None:
    """Trace Pydantic AI agents: each run (`run`, `run_sync`, `run_stream`, `iter`) as an
    AGENT span, each model request as a CHAT_MODEL span and each tool call as a TOOL span.

    Pydantic AI's own OpenTelemetry instrumentation is switched on for every agent
    (`Agent.instrument_all`) with a tracer provider of spanscope's, whose spans become
    spanscope spans in-process: no OpenTelemetry setup and no exporter are needed. An agent
    created with its own `instrument=` setting keeps it. Calling it again never doubles it;
    `disable=True` gives back the instrumentation setting agents had before; `silent=True`
    mutes spanscope's warnings about its own errors; `log_traces=False` turns tracing of
    this library off.
    """

    def patch() -> None:
        from spanscope.pydantic_ai._processor import install

        install()

    configure_autolog(INTEGRATION, patch, disable, silent, log_traces)
