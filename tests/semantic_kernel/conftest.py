"""Fixtures: the fake provider server and a kernel with Semantic Kernel's OpenAI chat
service and a plugin, traced by autolog."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from typing import Any

import pytest

import spanscope.semantic_kernel
from spanscope.testing.fake_llm import FakeLLMServer
from spanscope.testing.fake_llm.fixtures import fake_llm

# Read at import: no usage telemetry in the user agent header.
os.environ.setdefault("AZURE_TELEMETRY_DISABLED", "true")

pytest.importorskip("semantic_kernel")

from semantic_kernel.functions import kernel_function

__all__ = ["fake_llm"]

MODEL = "gpt-4o-mini"


class Weather:
    @kernel_function(description="Current weather in a city.")
    def get_weather(self, city: str) -> str:
        return f"Sunny in {city}"


class Broken:
    @kernel_function(description="Fails.")
    def broken(self, city: str) -> str:
        raise ValueError(f"no weather for {city}")


def make_kernel(server: FakeLLMServer) -> Any:
    from openai import AsyncOpenAI
    from semantic_kernel import Kernel
    from semantic_kernel.connectors.ai.open_ai import OpenAIChatCompletion

    client = AsyncOpenAI(base_url=server.openai_base_url, api_key="sk-fake", max_retries=0)
    kernel = Kernel()
    kernel.add_service(OpenAIChatCompletion(ai_model_id=MODEL, async_client=client))
    kernel.add_plugin(Weather(), "weather")
    return kernel


@pytest.fixture
def traced() -> None:
    """Autolog on (the suite's per-test reset reverts it)."""
    spanscope.semantic_kernel.autolog()


@pytest.fixture
async def kernel(fake_llm: FakeLLMServer, traced: None) -> AsyncIterator[Any]:
    from semantic_kernel.connectors.ai.open_ai import OpenAIChatCompletion

    made = make_kernel(fake_llm)
    yield made
    await made.get_service(type=OpenAIChatCompletion).client.close()
