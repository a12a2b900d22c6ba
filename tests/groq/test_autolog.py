"""autolog on / off / twice."""

from __future__ import annotations

import subprocess
import sys

import pytest

import spanscope.groq
from spanscope.testing import TraceCapture, span_tree
from spanscope.testing.fake_llm import FakeLLMServer
from tests.groq.conftest import ANSWER, CREATE, MODEL, USER, make_client

groq = pytest.importorskip("groq")


def test_importing_the_integration_does_not_import_the_sdk() -> None:
    code = "import sys, spanscope.groq; print('groq' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_disable_restores_the_original_objects(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    from groq.resources.chat.completions import AsyncCompletions, Completions

    originals = {owner: vars(owner)["create"] for owner in (Completions, AsyncCompletions)}
    spanscope.groq.autolog()
    assert all(vars(owner)["create"] is not original for owner, original in originals.items())
    spanscope.groq.autolog(disable=True)
    assert all(vars(owner)["create"] is original for owner, original in originals.items())
    with make_client(fake_llm) as client:
        response = client.chat.completions.create(model=MODEL, messages=USER)
    assert response.choices[0].message.content == ANSWER
    assert spanscope_traces.traces == []


def test_autolog_twice_traces_once(fake_llm: FakeLLMServer, spanscope_traces: TraceCapture) -> None:
    spanscope.groq.autolog()
    spanscope.groq.autolog()
    with make_client(fake_llm) as client:
        client.chat.completions.create(model=MODEL, messages=USER)
    (node,) = span_tree(spanscope_traces.single())
    assert node["name"] == CREATE and node["children"] == []
