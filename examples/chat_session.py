"""A multi-turn chat: one trace per turn, tied together by a session id and a user id.

The OpenAI SDK talks HTTP to spanscope's fake OpenAI server on 127.0.0.1, so no key and no
network are needed. Run: `python examples/chat_session.py` (part of `make demo`); the UI's
sessions page shows the turns as one conversation.
"""

from __future__ import annotations

import uuid

import openai

import spanscope
from spanscope.testing.fake_llm import FakeLLMServer

REPLIES = {
    "hello": "Hello! I can help you plan a trip. Where would you like to go?",
    "lisbon": "Lisbon in May is sunny, around 22 °C. How many days will you stay?",
    "days": "For four days: Alfama, Belém, a day trip to Sintra, and the LX Factory.",
}


def reply(message: str) -> str:
    """The fake model's answer: the first reply whose keyword the message contains."""
    text = message.lower()
    return next((answer for key, answer in REPLIES.items() if key in text), "Noted.")


class TravelChat:
    """Keeps the conversation; each call of `send` is one traced turn."""

    def __init__(self, client: openai.OpenAI, user_id: str) -> None:
        self.client = client
        self.user_id = user_id
        self.session_id = f"chat-{uuid.uuid4().hex[:8]}"
        self.history: list[dict[str, str]] = [
            {"role": "system", "content": "You are a friendly travel planner."}
        ]

    @spanscope.trace(name="travel_chat", span_type="AGENT")
    def send(self, message: str) -> str:
        spanscope.update_current_trace(session_id=self.session_id, user_id=self.user_id)
        self.history.append({"role": "user", "content": message})
        response = self.client.chat.completions.create(model="gpt-4o-mini", messages=self.history)
        answer = response.choices[0].message.content or ""
        self.history.append({"role": "assistant", "content": answer})
        return answer


def main() -> None:
    spanscope.openai.autolog()
    with FakeLLMServer(reply=reply) as server:
        client = openai.OpenAI(base_url=server.openai_base_url, api_key="sk-fake", max_retries=0)
        chat = TravelChat(client, user_id="user-ana")
        for message in ("Hello!", "I'd like to visit Lisbon in May.", "Four days. Plans?"):
            print(f"user: {message}\nassistant: {chat.send(message)}\n")
        client.close()
    session = next(s for s in spanscope.search_sessions() if s.session_id == chat.session_id)
    print(f"session {session.session_id} of {session.user_id}: {session.trace_count} traces\n")
    print(spanscope.get_trace(spanscope.get_last_active_trace_id()).to_text())


if __name__ == "__main__":
    main()
