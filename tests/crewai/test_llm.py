"""CrewAI's LLM called on its own: the native OpenAI class (streamed too) and the LiteLLM path,
each one CHAT_MODEL span with the chat and the usage of the reply."""

from __future__ import annotations

from typing import Any

import pytest

from spanscope.constants import SpanAttributeKey as K
from spanscope.testing import TraceCapture
from spanscope.testing.fake_llm import FakeLLMServer
from tests.crewai.helpers import MODEL, QUESTION, make_llm
from tests.outline import tree

ANSWER = f"You said: {QUESTION}"


def _model_span(traces: TraceCapture) -> dict[str, Any]:
    [span] = tree(
        traces.single(),
        [
            K.GEN_AI_PROVIDER,
            K.GEN_AI_REQUEST_MODEL,
            K.GEN_AI_INPUT_TOKENS,
            K.GEN_AI_OUTPUT_TOKENS,
            K.GEN_AI_OUTPUT_MESSAGES,
        ],
    )
    return span


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
def test_the_native_openai_class_is_one_chat_model_span(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture, stream: bool
) -> None:
    assert make_llm(fake_llm, stream=stream).call(QUESTION) == ANSWER

    span = _model_span(spanscope_traces)
    assert (span["name"], span["span_type"], span["status"]) == (
        "OpenAICompletion.call",
        "CHAT_MODEL",
        "OK",
    )
    assert span["inputs"] == {"messages": [{"role": "user", "content": QUESTION}]}
    assert span["outputs"] == {"role": "assistant", "content": ANSWER}
    assert span["attributes"][K.GEN_AI_REQUEST_MODEL] == MODEL
    assert (
        span["attributes"][K.GEN_AI_INPUT_TOKENS],
        span["attributes"][K.GEN_AI_OUTPUT_TOKENS],
    ) == (len(QUESTION.split()), len(ANSWER.split()))


async def test_acall_is_traced_the_same(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    assert await make_llm(fake_llm).acall(QUESTION) == ANSWER

    span = _model_span(spanscope_traces)
    assert (span["name"], span["outputs"]) == (
        "OpenAICompletion.call",
        {"role": "assistant", "content": ANSWER},
    )


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
def test_the_litellm_path_is_one_chat_model_span_with_usage(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture, stream: bool
) -> None:
    pytest.importorskip("litellm")
    assert make_llm(fake_llm, is_litellm=True, stream=stream).call(QUESTION) == ANSWER

    span = _model_span(spanscope_traces)
    assert (span["name"], span["span_type"]) == ("LLM.call", "CHAT_MODEL")
    assert span["outputs"] == {"role": "assistant", "content": ANSWER}
    assert (
        span["attributes"][K.GEN_AI_INPUT_TOKENS],
        span["attributes"][K.GEN_AI_OUTPUT_TOKENS],
    ) == (len(QUESTION.split()), len(ANSWER.split()))
