"""An OpenLLMetry program: traceloop-sdk's `@workflow` / `@agent` / `@task` / `@tool` around
its OpenAI instrumentation, exporting over OTLP/HTTP to a spanscope server.

Run as `python -m tests.otel.instrumentations.apps.traceloop_app ENDPOINT EXPERIMENT
OPENAI_BASE_URL REPORT` (a process of its own: traceloop-sdk keeps one tracer provider per
process and instruments threading globally). It asks a question that makes the model call a
tool, then the same with a model the fake server fails with a 500, and prints both outcomes.
"""

from __future__ import annotations

import sys
from pathlib import Path

from tests.otel.instrumentations.apps import offline

if __name__ == "__main__":
    offline.install(Path(sys.argv[4]))

# The packages under test load after the guard.
from typing import Any

import openai
from openai.types.chat import ChatCompletionToolParam
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from traceloop.sdk import Traceloop
from traceloop.sdk.decorators import agent, task, tool, workflow
from traceloop.sdk.instruments import Instruments

from spanscope.constants import ExperimentHeader

WEATHER: ChatCompletionToolParam = {
    "type": "function",
    "function": {
        "name": "weather",
        "description": "The weather in a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}


def main(endpoint: str, experiment: str, base_url: str) -> None:
    Traceloop.init(
        app_name="openllmetry-app",
        exporter=OTLPSpanExporter(endpoint=endpoint, headers={ExperimentHeader.NAME: experiment}),
        disable_batch=True,
        telemetry_enabled=False,
        instruments={Instruments.OPENAI},
    )
    Traceloop.set_association_properties({"session_id": "session-1", "user_id": "user-1"})
    client = openai.OpenAI(base_url=base_url, api_key="sk-fake", max_retries=0)

    @tool(name="weather")
    def weather(city: str) -> str:
        return f"rain in {city}"

    @task(name="ask")
    def ask(model: str, messages: list[Any]) -> Any:
        response = client.chat.completions.create(model=model, messages=messages, tools=[WEATHER])
        return response.choices[0].message.model_dump(exclude_none=True)

    @agent(name="forecaster")
    def forecaster(question: str, model: str) -> str:
        messages: list[Any] = [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": question},
        ]
        first = ask(model, messages)
        messages.append(first)
        for call in first.get("tool_calls", []):
            city = "Paris"  # the fake model's arguments are placeholders
            messages.append({"role": "tool", "tool_call_id": call["id"], "content": weather(city)})
        return str(ask(model, messages)["content"])

    @workflow(name="daily_report")
    def report(question: str, model: str = "gpt-4o-mini") -> str:
        return forecaster(question, model)

    print(report("What is the weather in Paris?"))
    try:
        report("And tomorrow?", model="error-500")
    except openai.InternalServerError as error:
        print(f"failed: {error.status_code}")
    client.close()


if __name__ == "__main__":
    main(*sys.argv[1:4])
