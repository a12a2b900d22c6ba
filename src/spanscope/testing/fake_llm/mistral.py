"""Mistral `POST /v1/chat/completions` and `/v1/embeddings`: OpenAI's wire format, with
Mistral's differences (served under `/mistral`, since the paths are OpenAI's).

Mistral sends each tool call whole in one delta, ends every stream with a usage chunk, gives
embeddings an `id`, and answers errors with a flat `{"object": "error", "message", ...}`.
"""

from __future__ import annotations

from spanscope.testing.fake_llm.embeddings import embeddings_json
from spanscope.testing.fake_llm.errors import response_headers
from spanscope.testing.fake_llm.openai_chat import ChatDialect, chat_completions_in
from spanscope.testing.fake_llm.state import ServerState
from spanscope.testing.fake_llm.wire import RecordedRequest, Reply, json_reply

__all__ = ["PREFIX", "chat_completions", "embeddings"]

PREFIX = "/mistral"

MISTRAL = ChatDialect(
    "mistral",
    lambda: response_headers("mistral"),
    whole_tool_calls=True,
    always_usage=True,
    usage_details=False,
)


def chat_completions(request: RecordedRequest, state: ServerState, fail_stream: bool) -> Reply:
    return chat_completions_in(MISTRAL, request, state, fail_stream)


def embeddings(request: RecordedRequest, state: ServerState, fail_stream: bool) -> Reply:
    body = {"id": "embd-fake", **embeddings_json(request.json)}
    return json_reply(body, headers=response_headers("mistral"))
