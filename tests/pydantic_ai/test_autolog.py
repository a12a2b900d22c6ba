"""autolog on / off / twice, the user's own instrumentation setting, and spanscope's errors."""

from __future__ import annotations

import pytest
from pydantic_ai import Agent
from pydantic_ai.models.instrumented import InstrumentationSettings

import spanscope
import spanscope.pydantic_ai
from spanscope.pydantic_ai import _processor
from spanscope.testing import TraceCapture, strict_mode
from spanscope.testing.fake_llm import FakeLLMServer
from tests.autolog_checks import imported_by
from tests.outline import outline
from tests.pydantic_ai.conftest import MODEL, make_agent

TREE = ["invoke_agent assistant [AGENT]", f"  chat {MODEL} [CHAT_MODEL]"]


def test_importing_the_integration_does_not_import_the_library() -> None:
    assert imported_by("spanscope.pydantic_ai", "pydantic_ai") == [False]


def instrument_default() -> object:
    return Agent._instrument_default


def test_disable_gives_back_the_users_setting() -> None:
    spanscope.pydantic_ai.autolog(disable=True)
    assert instrument_default() is False
    own = InstrumentationSettings()
    Agent.instrument_all(own)
    try:
        spanscope.pydantic_ai.autolog()
        assert isinstance(instrument_default(), InstrumentationSettings)
        assert instrument_default() is not own
        spanscope.pydantic_ai.autolog(disable=True)
        assert instrument_default() is own
    finally:
        Agent.instrument_all(False)


def test_disabled_it_traces_nothing(server: FakeLLMServer, spanscope_traces: TraceCapture) -> None:
    spanscope.pydantic_ai.autolog(disable=True)
    assert make_agent(server).run_sync("hi").output == "You said: hi"
    assert spanscope_traces.traces == []


def test_twice_traces_once(server: FakeLLMServer, spanscope_traces: TraceCapture) -> None:
    spanscope.pydantic_ai.autolog()
    spanscope.pydantic_ai.autolog()
    make_agent(server).run_sync("hi")
    assert outline(spanscope_traces.single()) == TREE


def test_an_agent_with_its_own_setting_keeps_it(
    server: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    agent = make_agent(server)
    agent.instrument = False
    assert agent.run_sync("hi").output == "You said: hi"
    assert spanscope_traces.traces == []


@pytest.mark.internal_errors
def test_an_error_of_spanscope_does_not_change_the_run(
    server: FakeLLMServer, spanscope_traces: TraceCapture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("injected")

    monkeypatch.setattr(_processor, "apply_conventions", broken)
    with strict_mode(False):
        result = make_agent(server).run_sync("hi")

    assert result.output == "You said: hi"
    assert spanscope.tracing.stats().internal_errors == 2  # one per span
    # Unmapped, but ended: the trace is complete.
    assert outline(spanscope_traces.single()) == [
        "invoke_agent assistant [UNKNOWN]",
        f"  chat {MODEL} [UNKNOWN]",
    ]
