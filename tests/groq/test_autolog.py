"""autolog on / off / twice."""

from __future__ import annotations

import pytest

import spanscope.groq
from spanscope.testing import TraceCapture
from spanscope.testing.fake_llm import FakeLLMServer
from tests.autolog_checks import check_patches_are_reverted, imported_by, single_spans
from tests.groq.conftest import ANSWER, CREATE, MODEL, USER, make_client

groq = pytest.importorskip("groq")


def test_importing_the_integration_does_not_import_the_sdk() -> None:
    assert imported_by("spanscope.groq", "groq") == [False]


def test_disable_restores_the_original_objects(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    from groq.resources.chat.completions import AsyncCompletions, Completions

    points = [(Completions, "create"), (AsyncCompletions, "create")]
    check_patches_are_reverted(spanscope.groq.autolog, points)
    with make_client(fake_llm) as client:
        response = client.chat.completions.create(model=MODEL, messages=USER)
    assert response.choices[0].message.content == ANSWER
    assert spanscope_traces.traces == []


def test_autolog_twice_traces_once(fake_llm: FakeLLMServer, spanscope_traces: TraceCapture) -> None:
    spanscope.groq.autolog()
    spanscope.groq.autolog()
    with make_client(fake_llm) as client:
        client.chat.completions.create(model=MODEL, messages=USER)
    assert single_spans(spanscope_traces) == [CREATE]
