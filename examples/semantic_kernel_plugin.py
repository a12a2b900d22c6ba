"""A Semantic Kernel plugin called by the model: a prompt invocation whose chat completion
asks for a kernel function (auto function calling runs it), then a streamed prompt, fully
offline.

Semantic Kernel's OpenAI chat service talks HTTP to spanscope's fake OpenAI API on 127.0.0.1,
so no key and no network are needed. Run: `python examples/semantic_kernel_plugin.py` (part
of `make demo`).
"""

from __future__ import annotations

import asyncio
import os

# Read at import: no usage telemetry in the user agent header.
os.environ.setdefault("AZURE_TELEMETRY_DISABLED", "true")

from openai import AsyncOpenAI
from semantic_kernel import Kernel
from semantic_kernel.connectors.ai.function_choice_behavior import (
    FunctionChoiceBehavior,
)
from semantic_kernel.connectors.ai.open_ai import (
    OpenAIChatCompletion,
    OpenAIChatPromptExecutionSettings,
)
from semantic_kernel.functions import KernelArguments, kernel_function

import spanscope
from spanscope.testing.fake_llm import FakeLLMServer


class Weather:
    @kernel_function(description="Current weather in a city.")
    def get_weather(self, city: str) -> str:
        return f"sunny and 21 °C in {city}"


def fake_reply(prompt: str) -> str:
    return "Pack sunglasses." if "pack" in prompt.lower() else "It is sunny and 21 °C in Paris."


@spanscope.trace(name="weather_desk", span_type="AGENT")
async def weather_desk(kernel: Kernel) -> list[str]:
    settings = OpenAIChatPromptExecutionSettings(
        function_choice_behavior=FunctionChoiceBehavior.Auto()
    )
    today = await kernel.invoke_prompt(
        "What is the weather in Paris?", function_name="ask", arguments=KernelArguments(settings)
    )
    chunks = kernel.invoke_prompt_stream("What should I pack?", function_name="pack")
    packing = "".join([str(chunk[0]) async for chunk in chunks if isinstance(chunk, list)])
    return [str(today), packing]


async def run(server: FakeLLMServer) -> list[str]:
    client = AsyncOpenAI(base_url=server.openai_base_url, api_key="sk-fake", max_retries=0)
    kernel = Kernel()
    kernel.add_service(OpenAIChatCompletion(ai_model_id="gpt-4o-mini", async_client=client))
    kernel.add_plugin(Weather(), "weather")
    try:
        return await weather_desk(kernel)
    finally:
        await client.close()


def main() -> None:
    spanscope.semantic_kernel.autolog()
    with FakeLLMServer(reply=fake_reply) as server:
        today, packing = asyncio.run(run(server))
    print(f"today: {today}\npacking: {packing}\n")
    print(spanscope.get_trace(spanscope.get_last_active_trace_id()).to_text())


if __name__ == "__main__":
    main()
