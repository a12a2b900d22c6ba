"""A translator on the real Groq SDK: one completion, then a streamed one, fully offline.

The SDK talks HTTP to spanscope's fake Groq API on 127.0.0.1. Run:
`python examples/groq_chat.py` (part of `make demo`).
"""

from __future__ import annotations

import groq

import spanscope
from spanscope.testing.fake_llm import FakeLLMServer

MODEL = "llama-3.1-8b-instant"


@spanscope.trace(name="groq_translator", span_type="AGENT")
def translate(client: groq.Groq, text: str) -> str:
    spanscope.update_current_trace(user_id="user-groq", tags={"provider": "groq"})
    language = client.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": f"Which language is this? {text}"}],
        max_tokens=16,
    )
    stream = client.chat.completions.create(
        model=MODEL,
        messages=[
            {"role": "system", "content": f"The text is in {language.choices[0].message.content}."},
            {"role": "user", "content": f"Translate to English: {text}"},
        ],
        stream=True,
    )
    return "".join(chunk.choices[0].delta.content or "" for chunk in stream)


def main() -> None:
    spanscope.groq.autolog()
    with FakeLLMServer(reply="Good morning, everyone.") as server:
        with groq.Groq(api_key="gsk-fake", base_url=server.groq_base_url) as client:
            answer = translate(client, "Bonjour à tous.")
    print(f"answer: {answer}\n")
    print(spanscope.get_trace(spanscope.get_last_active_trace_id()).to_text())


if __name__ == "__main__":
    main()
