"""A Haystack RAG pipeline and a Haystack agent with a tool on the real `haystack-ai`, fully
offline: BM25 retrieval over an in-memory store, a chat prompt, then an OpenAI chat generator
streaming its answer; then an `Agent` that calls a weather tool before it answers.

The generators talk HTTP to spanscope's fake OpenAI API on 127.0.0.1, so no key and no
network are needed. Run: `python examples/haystack_rag.py` (part of `make demo`).
"""

from __future__ import annotations

import os

# Haystack sends usage telemetry from import on unless told not to.
os.environ.setdefault("HAYSTACK_TELEMETRY_ENABLED", "False")

from haystack import Document, Pipeline
from haystack.components.agents import Agent
from haystack.components.builders import ChatPromptBuilder
from haystack.components.generators.chat import OpenAIChatGenerator
from haystack.components.retrievers.in_memory import InMemoryBM25Retriever
from haystack.dataclasses import ChatMessage
from haystack.document_stores.in_memory import InMemoryDocumentStore
from haystack.tools.tool import Tool
from haystack.utils import Secret

import spanscope
from spanscope.testing.fake_llm import FakeLLMServer

MODEL = "gpt-4o-mini"
TEMPLATE = [
    ChatMessage.from_system("Answer from the context only."),
    ChatMessage.from_user(
        "Context:\n{% for doc in documents %}- {{ doc.content }}\n{% endfor %}"
        "Question: {{ question }}"
    ),
]


def fake_reply(prompt: str) -> str:
    if "Question:" in prompt:
        return "The Louvre opens at 9 am, except on Tuesdays."
    return "It is sunny in Paris."


def get_weather(city: str) -> str:
    return f"sunny and 21 °C in {city}"


def generator(server: FakeLLMServer, **kwargs: object) -> OpenAIChatGenerator:
    return OpenAIChatGenerator(
        model=MODEL,
        api_key=Secret.from_token("sk-fake"),
        api_base_url=server.openai_base_url,
        **kwargs,  # type: ignore[arg-type]
    )


def rag_pipeline(server: FakeLLMServer, on_chunk: list[str]) -> Pipeline:
    store = InMemoryDocumentStore()
    store.write_documents(
        [
            Document(content="The Louvre opens at 9 am and is closed on Tuesdays."),
            Document(content="The Eiffel Tower opens at 9:30 am every day."),
            Document(content="Paris has about two million inhabitants."),
        ]
    )
    pipeline = Pipeline()
    pipeline.add_component("retriever", InMemoryBM25Retriever(store, top_k=2))
    pipeline.add_component(
        "prompt_builder", ChatPromptBuilder(template=TEMPLATE, required_variables="*")
    )
    pipeline.add_component(
        "llm",
        generator(
            server,
            streaming_callback=lambda chunk: on_chunk.append(chunk.content),
            generation_kwargs={"stream_options": {"include_usage": True}},
        ),
    )
    pipeline.connect("retriever.documents", "prompt_builder.documents")
    pipeline.connect("prompt_builder.prompt", "llm.messages")
    return pipeline


def main() -> None:
    spanscope.haystack.autolog()
    chunks: list[str] = []
    with FakeLLMServer(reply=fake_reply) as server:
        rag = rag_pipeline(server, chunks)
        question = "When does the Louvre open?"
        result = rag.run(
            {"retriever": {"query": question}, "prompt_builder": {"question": question}}
        )
        rag.close()
        print(f"answer: {result['llm']['replies'][0].text} ({len(chunks)} chunks streamed)")
        print(spanscope.get_trace(spanscope.get_last_active_trace_id()).to_text())

        weather = Tool(
            name="get_weather",
            description="Current weather in a city.",
            parameters={
                "type": "object",
                "properties": {"city": {"type": "string", "enum": ["Paris", "Lyon"]}},
            },
            function=get_weather,
        )
        chat = generator(server)
        reply = Agent(chat_generator=chat, tools=[weather]).run(
            messages=[ChatMessage.from_user("Weather in Paris?")]
        )
        chat.close()
        print(f"\nagent: {reply['last_message'].text}")
    print(spanscope.get_trace(spanscope.get_last_active_trace_id()).to_text())


if __name__ == "__main__":
    main()
