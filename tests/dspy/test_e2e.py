"""End to end: `dspy.LM` over HTTP against the fake OpenAI server, through DSPy's native engine
and through litellm (with the litellm integration on too): the provider span nests under the
LM span, and the trace's token usage counts each call once."""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import Iterator
from typing import Any

import dspy
import pytest

from spanscope.constants import SpanAttributeKey as K
from spanscope.testing import TraceCapture
from spanscope.testing.fake_llm import FakeLLMServer
from tests.dspy.helpers import QUESTION, outline, span

# DSPy's ChatAdapter reads the reply by its field markers: the fake answers in that format.
REPLY = "[[ ## answer ## ]]\nblue\n\n[[ ## completed ## ]]"
REPLY_TOKENS = 11  # the fake server counts whitespace-separated words
LM_TREE = [
    "Predict [CHAIN]",
    "  ChatAdapter.format [PARSER]",
    "  LM [CHAT_MODEL]",
    "  ChatAdapter.parse [PARSER]",
]


@pytest.fixture(scope="module")
def server() -> Iterator[FakeLLMServer]:
    with FakeLLMServer(reply=REPLY) as running:
        yield running


def lm(server: FakeLLMServer, **options: Any) -> Any:
    return dspy.LM(
        "openai/gpt-4o-mini",
        api_base=server.openai_base_url,
        api_key="sk-fake",
        cache=False,
        num_retries=0,
        **options,
    )


def usage_of(trace: Any) -> dict[str, int]:
    return {k: trace.info.token_usage[k] for k in ("input_tokens", "output_tokens")}


def span_usage(trace: Any, name: str) -> dict[str, int]:
    found = span(trace, name)
    return {
        "input_tokens": found.get_attribute(K.GEN_AI_INPUT_TOKENS),
        "output_tokens": found.get_attribute(K.GEN_AI_OUTPUT_TOKENS),
    }


def test_native_engine(server: FakeLLMServer, spanscope_traces: TraceCapture) -> None:
    # DSPy 3.4 calls OpenAI-compatible servers with its own engine: no provider SDK is
    # involved, so the LM span is the provider call, with the usage DSPy recorded.
    with dspy.context(lm=lm(server)):
        prediction = dspy.Predict("question -> answer")(question=QUESTION)

    assert prediction.answer == "blue"
    trace = spanscope_traces.single()
    assert outline(trace) == LM_TREE
    call = span(trace, "LM")
    assert call.get_attribute(K.GEN_AI_PROVIDER) == "openai"
    assert call.get_attribute(K.GEN_AI_REQUEST_MODEL) == "gpt-4o-mini"
    assert call.get_attribute(K.GEN_AI_RESPONSE_MODEL) == "gpt-4o-mini"
    assert call.get_attribute(K.GEN_AI_INPUT_TOKENS) > 50  # DSPy's prompt
    assert call.get_attribute(K.GEN_AI_OUTPUT_TOKENS) == REPLY_TOKENS
    assert call.get_attribute(K.GEN_AI_OUTPUT_MESSAGES) == [
        {"role": "assistant", "parts": [{"type": "text", "content": REPLY}]}
    ]
    assert usage_of(trace) == span_usage(trace, "LM")
    assert server.last_request.body["model"] == "gpt-4o-mini"


@pytest.fixture
def litellm_traced() -> Iterator[None]:
    spanscope_litellm = pytest.importorskip("spanscope.litellm")
    spanscope_litellm.autolog()
    yield
    # litellm's sync calls give the main thread an event loop (`asyncio.get_event_loop()` in
    # its service logging) that nobody closes: close it, or its GC warns at exit.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            loop = asyncio.get_event_loop_policy().get_event_loop()
        except RuntimeError:
            return
    if not loop.is_running():
        loop.close()
        asyncio.set_event_loop(None)


def test_litellm_engine_nests_the_litellm_span(
    server: FakeLLMServer, litellm_traced: None, spanscope_traces: TraceCapture
) -> None:
    with dspy.context(lm=lm(server, engine="litellm")):
        prediction = dspy.Predict("question -> answer")(question=QUESTION)

    assert prediction.answer == "blue"
    trace = spanscope_traces.single()
    assert outline(trace) == [*LM_TREE[:3], "    litellm.completion [CHAT_MODEL]", LM_TREE[3]]
    usage = span_usage(trace, "LM")
    assert usage["output_tokens"] == REPLY_TOKENS
    assert span_usage(trace, "litellm.completion") == usage  # both spans report it...
    assert usage_of(trace) == usage  # ...the trace counts it once


async def test_litellm_engine_async(
    server: FakeLLMServer, litellm_traced: None, spanscope_traces: TraceCapture
) -> None:
    with dspy.context(lm=lm(server, engine="litellm")):
        prediction = await dspy.Predict("question -> answer").acall(question=QUESTION)

    assert prediction.answer == "blue"
    trace = spanscope_traces.single()
    assert outline(trace) == [*LM_TREE[:3], "    litellm.acompletion [CHAT_MODEL]", LM_TREE[3]]
    assert usage_of(trace) == span_usage(trace, "LM")


def test_a_provider_error_marks_the_lm_span(
    server: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    server.fail_next(500)
    with dspy.context(lm=lm(server)), pytest.raises(Exception) as raised:
        dspy.Predict("question -> answer")(question=QUESTION)

    trace = spanscope_traces.single()
    lines = outline(trace)
    assert lines[0].startswith("Predict [CHAIN] ERROR: ")
    assert lines[2].startswith("  LM [CHAT_MODEL] ERROR: ")
    assert type(raised.value).__name__ in span(trace, "LM").status.description
