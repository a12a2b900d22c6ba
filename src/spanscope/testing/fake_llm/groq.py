"""Groq `POST /openai/v1/chat/completions`: OpenAI's wire format, whose last stream chunk
carries the usage in `x_groq` (asked for or not); errors are OpenAI's shape."""

from __future__ import annotations

from spanscope.testing.fake_llm.errors import response_headers
from spanscope.testing.fake_llm.openai_chat import ChatDialect, chat_completions_in
from spanscope.testing.fake_llm.state import ServerState
from spanscope.testing.fake_llm.wire import RecordedRequest, Reply

__all__ = ["PREFIX", "chat_completions"]

PREFIX = "/openai"

GROQ = ChatDialect("groq", lambda: response_headers("groq"), x_groq=True)


def chat_completions(request: RecordedRequest, state: ServerState, fail_stream: bool) -> Reply:
    return chat_completions_in(GROQ, request, state, fail_stream)
