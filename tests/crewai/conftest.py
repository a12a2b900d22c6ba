"""The real CrewAI with its native OpenAI LLM class against the fake OpenAI server, with
`spanscope.crewai.autolog()` on, and CrewAI's own telemetry and tracing off."""

from __future__ import annotations

import os

import pytest

# Read by CrewAI when it runs: nothing of its own telemetry, tracing or version check leaves
# the machine.
os.environ.setdefault("CREWAI_DISABLE_TELEMETRY", "true")
os.environ.setdefault("CREWAI_DISABLE_TRACKING", "true")
os.environ.setdefault("CREWAI_TRACING_ENABLED", "false")
os.environ.setdefault("CREWAI_DISABLE_VERSION_CHECK", "true")  # its PyPI look-up

pytest.importorskip("crewai")
pytest.importorskip("openai")

import spanscope.crewai  # noqa: E402
from spanscope.testing.fake_llm.fixtures import fake_llm  # noqa: E402

__all__ = ["fake_llm"]


@pytest.fixture(autouse=True)
def _autolog(_fresh_tracing: None) -> None:
    # After the suite-wide reset (which reverts it again after the test).
    spanscope.crewai.autolog()
