"""A support bot on the real Ollama client, streamed, fully offline.

The client talks HTTP to spanscope's fake Ollama server on 127.0.0.1 (`ollama serve` would be
127.0.0.1:11434). Run: `python examples/ollama_chat.py` (part of `make demo`).
"""

from __future__ import annotations

import ollama

import spanscope
from spanscope.testing.fake_llm import FakeLLMServer

FAQ = {"returns": "Items can be returned within 30 days.", "shipping": "Orders ship in 24 h."}


@spanscope.trace(span_type="RETRIEVER")
def search_faq(question: str) -> list[dict[str, object]]:
    return [
        {"page_content": text, "metadata": {"doc_uri": f"faq/{topic}"}, "id": topic}
        for topic, text in FAQ.items()
        if topic.rstrip("s") in question.lower()
    ]


class FaqBot:
    def __init__(self, client: ollama.Client) -> None:
        self.client = client

    @spanscope.trace(name="faq_bot", span_type="AGENT")
    def answer(self, question: str) -> str:
        spanscope.update_current_trace(user_id="user-ollama", tags={"provider": "ollama"})
        context = "\n".join(str(doc["page_content"]) for doc in search_faq(question))
        stream = self.client.chat(
            model="llama3.2",
            messages=[
                {"role": "system", "content": f"Answer from these notes:\n{context}"},
                {"role": "user", "content": question},
            ],
            stream=True,
        )
        return "".join(part.message.content or "" for part in stream)


def main() -> None:
    spanscope.ollama.autolog()
    with FakeLLMServer(reply="You can return it within 30 days.") as server:
        client = ollama.Client(host=server.ollama_host)
        answer = FaqBot(client).answer("Can I return a jacket I bought last week?")
        client.close()
    print(f"answer: {answer}\n")
    print(spanscope.get_trace(spanscope.get_last_active_trace_id()).to_text())


if __name__ == "__main__":
    main()
