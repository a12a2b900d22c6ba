"""autolog on / off / twice, and spanscope's own errors never reaching the call."""

from __future__ import annotations

from typing import Any

import pytest

import spanscope.mistral
from spanscope.testing import TraceCapture, strict_mode
from spanscope.testing.fake_llm import FakeLLMServer
from spanscope.tracing import chat_completions
from tests.autolog_checks import check_patches_are_reverted, imported_by, single_spans
from tests.genai_expect import ANSWER, tree
from tests.mistral.conftest import make_client
from tests.mistral.expect import COMPLETE, MODEL, USER

pytest.importorskip("mistralai.client")


def patch_points() -> list[tuple[Any, str]]:
    from mistralai.client.chat import Chat
    from mistralai.client.embeddings import Embeddings

    chat = ("complete", "complete_async", "stream", "stream_async")
    return [(Chat, name) for name in chat] + [(Embeddings, "create"), (Embeddings, "create_async")]


def test_importing_the_integration_does_not_import_the_sdk() -> None:
    assert imported_by("spanscope.mistral", "mistralai") == [False]


def test_disable_restores_the_original_objects(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    check_patches_are_reverted(spanscope.mistral.autolog, patch_points())
    with make_client(fake_llm) as client:
        assert client.chat.complete(model=MODEL, messages=USER).choices[0].message.content == ANSWER
    assert spanscope_traces.traces == []


def test_autolog_twice_traces_once(fake_llm: FakeLLMServer, spanscope_traces: TraceCapture) -> None:
    spanscope.mistral.autolog()
    spanscope.mistral.autolog()
    with make_client(fake_llm) as client:
        client.chat.complete(model=MODEL, messages=USER)
    assert single_spans(spanscope_traces) == [COMPLETE]


@pytest.mark.internal_errors
def test_an_error_of_spanscope_leaves_the_call_unharmed(
    client: Any, spanscope_traces: TraceCapture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(response: Any) -> Any:
        raise RuntimeError("a bug in spanscope")

    monkeypatch.setattr(chat_completions, "chat_output", boom)
    with strict_mode(False):
        response = client.chat.complete(model=MODEL, messages=USER)
    assert response.choices[0].message.content == ANSWER
    (node,) = tree(spanscope_traces.single())
    assert node["status"] == "OK" and node["outputs"]["id"] == "chatcmpl-fake"
    assert "gen_ai.output.messages" not in node["attributes"]
