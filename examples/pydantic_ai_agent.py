"""A Pydantic AI support agent: a run whose model calls a tool (a traced lookup inside it), a
structured answer, then a streamed reply, fully offline.

The agent's OpenAI chat model talks HTTP to spanscope's fake OpenAI API on 127.0.0.1, so no key
and no network are needed. Run: `python examples/pydantic_ai_agent.py` (part of `make demo`).
"""

from __future__ import annotations

import asyncio

from openai import AsyncOpenAI
from pydantic import BaseModel
from pydantic_ai import Agent
from pydantic_ai.models.openai import OpenAIChatModel
from pydantic_ai.providers.openai import OpenAIProvider

import spanscope
from spanscope.testing.fake_llm import FakeLLMServer

ORDERS = {"A-1001": "shipped", "example": "shipped"}


class Ticket(BaseModel):
    order_id: str
    status: str


@spanscope.trace(span_type="RETRIEVER")
def find_order(order_id: str) -> list[dict[str, str]]:
    return [{"page_content": f"Order {order_id}: {ORDERS.get(order_id, 'unknown')}"}]


def fake_reply(prompt: str) -> str:
    return "Your order A-1001 has shipped."


@spanscope.trace(name="support_desk", span_type="CHAIN")
async def support(model: OpenAIChatModel) -> tuple[str, Ticket, str]:
    agent = Agent(model, name="order_agent", instructions="You answer order questions.")

    @agent.tool_plain
    def order_status(order_id: str) -> str:
        """The shipping status of an order."""
        return find_order(order_id)[0]["page_content"]

    answer = (await agent.run("Where is my order A-1001?")).output
    filer = Agent(model, name="ticket_filer", output_type=Ticket)
    ticket = (await filer.run("File a ticket for order A-1001.")).output
    async with agent.run_stream("Thank you!") as result:
        streamed = "".join([chunk async for chunk in result.stream_text(delta=True)])
    return answer, ticket, streamed


def main() -> None:
    spanscope.pydantic_ai.autolog()
    with FakeLLMServer(reply=fake_reply) as server:
        client = AsyncOpenAI(base_url=server.openai_base_url, api_key="sk-fake")
        model = OpenAIChatModel("gpt-4o-mini", provider=OpenAIProvider(openai_client=client))
        answer, ticket, streamed = asyncio.run(support(model))
    print(f"answer: {answer}\nticket: {ticket!r}\nstreamed: {streamed}\n")
    print(spanscope.get_trace(spanscope.get_last_active_trace_id()).to_text())


if __name__ == "__main__":
    main()
