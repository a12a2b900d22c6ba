"""A tool-using agent on the real OpenAI SDK, traced with one line, fully offline.

The SDK talks HTTP to spanscope's fake OpenAI server on 127.0.0.1, so no key and no network
are needed. Run: `python examples/openai_agent.py` (part of `make demo`).
"""

from __future__ import annotations

import json

import openai

import spanscope
from spanscope.testing.fake_llm import FakeLLMServer

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_order_status",
            "description": "Look up an order's status.",
            "parameters": {
                "type": "object",
                "properties": {"order_id": {"type": "string"}},
                "required": ["order_id"],
            },
        },
    }
]


@spanscope.trace(span_type="TOOL")
def get_order_status(order_id: str) -> dict[str, str]:
    return {"order_id": order_id, "status": "shipped"}


@spanscope.trace(span_type="AGENT")
def support_agent(client: openai.OpenAI, question: str) -> str:
    spanscope.update_current_trace(session_id="demo-session", user_id="demo-user")
    messages: list[dict[str, object]] = [
        {"role": "system", "content": "You answer questions about orders."},
        {"role": "user", "content": question},
    ]
    first = client.chat.completions.create(model="gpt-4o-mini", messages=messages, tools=TOOLS)
    call = first.choices[0].message.tool_calls
    if call:
        tool_call = call[0]
        arguments = json.loads(tool_call.function.arguments or "{}")
        result = get_order_status(str(arguments.get("order_id", "A-1001")))
        messages.append(first.choices[0].message.model_dump(exclude_none=True))
        messages.append(
            {"role": "tool", "tool_call_id": tool_call.id, "content": json.dumps(result)}
        )
    # The final answer streams, with the usage chunk at the end.
    stream = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=messages,
        stream=True,
        stream_options={"include_usage": True},
    )
    return "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)


def main() -> None:
    spanscope.openai.autolog()
    with FakeLLMServer(reply="Your order A-1001 has shipped.") as server:
        client = openai.OpenAI(base_url=server.openai_base_url, api_key="sk-fake", max_retries=0)
        answer = support_agent(client, "Where is my order A-1001?")
        client.close()
    print(f"answer: {answer}\n")
    trace_id = spanscope.get_last_active_trace_id()
    assert trace_id is not None
    trace = spanscope.get_trace(trace_id)
    print(trace.to_text())
    print(f"\ntoken usage: {trace.info.token_usage}")


if __name__ == "__main__":
    main()
