"""A small support bot, traced with spanscope, printed as a span tree.

Run it with `make demo` or `python examples/quickstart.py`. It needs no network and no keys:
the "model" here is a plain function.
"""

from __future__ import annotations

import spanscope

KNOWLEDGE_BASE = {
    "refund": "Refunds reach your card within 5 working days.",
    "shipping": "Orders ship within 24 hours from our Lyon warehouse.",
}


@spanscope.trace(span_type="RETRIEVER")
def retrieve(question: str) -> list[dict[str, object]]:
    return [
        {"page_content": text, "metadata": {"doc_uri": f"kb/{topic}"}, "id": topic}
        for topic, text in KNOWLEDGE_BASE.items()
        if topic in question.lower()
    ]


@spanscope.trace(span_type="TOOL")
def order_status(order_id: str) -> dict[str, str]:
    return {"order_id": order_id, "status": "refunded"}


@spanscope.trace(span_type="CHAT_MODEL")
def fake_llm(messages: list[dict[str, str]]) -> str:
    span = spanscope.get_current_active_span()
    if span is not None:
        span.set_attributes({"gen_ai.usage.input_tokens": 42, "gen_ai.usage.output_tokens": 12})
    context = messages[0]["content"]
    return f"{context} Your order is {order_status('A-1001')['status']}."


@spanscope.trace(span_type="AGENT")
def support_bot(question: str) -> str:
    spanscope.update_current_trace(session_id="session-1", user_id="user-7", tags={"env": "demo"})
    docs = retrieve(question)
    context = " ".join(str(doc["page_content"]) for doc in docs)
    return fake_llm([{"role": "system", "content": context}, {"role": "user", "content": question}])


def main() -> None:
    answer = support_bot("Where is my refund for order A-1001?")
    print(f"answer: {answer}\n")
    trace_id = spanscope.get_last_active_trace_id()
    assert trace_id is not None
    trace = spanscope.get_trace(trace_id)
    print(trace.to_text())
    print(f"\ntoken usage: {trace.info.token_usage}")


if __name__ == "__main__":
    main()
