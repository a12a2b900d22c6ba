"""DSPy tracing: `spanscope.dspy.autolog()`.

Importing this module does not import DSPy; `autolog()` does.
"""

from __future__ import annotations

from spanscope.patching.integration import Integration, configure_autolog

__all__ = ["INTEGRATION", "autolog"]

INTEGRATION = Integration(
    name="dspy",
    library="dspy",
    distribution="dspy",
    min_version="2.6",
    kind="callback",
    records="modules, predictors, LM calls, adapters, tools and evaluations",
)


def autolog(disable: bool = False, silent: bool = False, log_traces: bool = True) -> None:
    """Trace DSPy programs: modules, LM calls, adapters, tools and evaluations, sync, async
    (`acall`) and streamed (`dspy.streamify`).

    A callback is added to DSPy's global callbacks, beside the application's own, so nothing
    is passed per call. Calling it again never doubles it; `disable=True` removes it;
    `silent=True` mutes spanscope's warnings about its own errors; `log_traces=False` turns
    tracing of this library off.
    """

    def patch() -> None:
        from spanscope.dspy._callback import install

        install()

    configure_autolog(INTEGRATION, patch, disable, silent, log_traces)
