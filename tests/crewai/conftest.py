"""The real CrewAI with its native OpenAI LLM class against the fake OpenAI server, with
`spanscope.crewai.autolog()` on, and CrewAI's own telemetry and tracing off."""

from __future__ import annotations

import inspect
import os
from collections.abc import AsyncIterator

import pytest

# Read by CrewAI when it runs: nothing of its own telemetry, tracing or version check leaves
# the machine.
os.environ.setdefault("CREWAI_DISABLE_TELEMETRY", "true")
os.environ.setdefault("CREWAI_DISABLE_TRACKING", "true")
os.environ.setdefault("CREWAI_TRACING_ENABLED", "false")
os.environ.setdefault("CREWAI_DISABLE_VERSION_CHECK", "true")  # its PyPI look-up
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # LiteLLM's price list, no fetch

pytest.importorskip("crewai")
pytest.importorskip("openai")

import spanscope.crewai
from spanscope.testing.fake_llm.fixtures import fake_llm

__all__ = ["fake_llm"]


@pytest.fixture(autouse=True)
def _autolog(_fresh_tracing: None) -> None:
    # After the suite-wide reset (which reverts it again after the test).
    spanscope.crewai.autolog()


@pytest.fixture(autouse=True)
async def _close_models() -> AsyncIterator[None]:
    from tests.crewai.helpers import MODELS

    yield
    while MODELS:
        llm = MODELS.pop()
        for name in ("_client", "_async_client"):
            client = getattr(llm, name, None)
            closed = client.close() if client is not None else None
            if inspect.isawaitable(closed):
                await closed
