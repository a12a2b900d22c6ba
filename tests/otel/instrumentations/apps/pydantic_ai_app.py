"""A Pydantic AI program instrumented by Logfire, exporting to a spanscope server only.

Run as `python -m tests.otel.instrumentations.apps.pydantic_ai_app ENDPOINT EXPERIMENT
OPENAI_BASE_URL REPORT` (a process of its own: Logfire configures the global tracer
provider). Logfire is set up the way a user points it elsewhere than its cloud:
`send_to_logfire=False`, no console, and the standard OTLP variables (set by the caller) naming
the server. An agent with one tool answers a question under a `logfire.span`, then the same
agent on a model the fake server fails with a 500.
"""

from __future__ import annotations

import sys
from pathlib import Path

from tests.otel.instrumentations.apps import offline

if __name__ == "__main__":
    offline.install(Path(sys.argv[4]))

# The packages under test load after the guard.
import logfire
import openai
from pydantic_ai import Agent
from pydantic_ai.models.openai import OpenAIChatModel
from pydantic_ai.providers.openai import OpenAIProvider


def weather(city: str) -> str:
    """The weather in a city."""
    return f"rain in {city}"


def main(base_url: str) -> None:
    logfire.configure(
        send_to_logfire=False,
        console=False,
        metrics=False,
        service_name="pydantic-ai-app",
        inspect_arguments=False,
    )
    logfire.instrument_pydantic_ai()
    client = openai.AsyncOpenAI(base_url=base_url, api_key="sk-fake", max_retries=0)

    def forecaster(model: str) -> Agent[None, str]:
        chat = OpenAIChatModel(model, provider=OpenAIProvider(openai_client=client))
        return Agent(chat, name="forecaster", instructions="Be brief.", tools=[weather])

    with logfire.span("app run {who}", who="alice"):
        print(forecaster("gpt-4o-mini").run_sync("What is the weather in Paris?").output)
    try:
        with logfire.span("app run {who}", who="bob"):
            forecaster("error-500").run_sync("And tomorrow?")
    except Exception as error:  # pydantic_ai's ModelHTTPError
        print(f"failed: {type(error).__name__}")
    logfire.shutdown()


if __name__ == "__main__":
    main(sys.argv[3])
