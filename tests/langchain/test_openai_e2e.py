"""End to end: LangChain's ChatOpenAI -> the real openai SDK -> the fake server, both traced."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

import spanscope
from spanscope.testing import TraceCapture
from spanscope.testing.fake_llm import FakeLLMServer
from tests.langchain.helpers import tree

openai_autolog = pytest.importorskip("spanscope.openai")
langchain_openai = pytest.importorskip("langchain_openai")

# The fake server's answer to "hello", and its usage: 1 prompt token, 3 completion tokens.
REPLY = "You said: hello"
USAGE = {"input_tokens": 1, "output_tokens": 3, "cache_read_input_tokens": 0, "total_tokens": 4}
KEYS = ("gen_ai.provider.name", "gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens")


@pytest.fixture(scope="module")
def server() -> Iterator[FakeLLMServer]:
    with FakeLLMServer() as running:
        yield running


@pytest.fixture(autouse=True)
def _openai_autolog(_autolog: None) -> None:
    openai_autolog.autolog()


@pytest.fixture
async def http() -> AsyncIterator[Any]:
    # A client per async test: langchain_openai would share one, bound to the event loop of
    # the test that made it first.
    async with pytest.importorskip("openai").DefaultAsyncHttpxClient() as client:
        yield client


def model(server: FakeLLMServer, **kwargs: Any) -> Any:
    return langchain_openai.ChatOpenAI(
        model="gpt-4o-mini",
        base_url=server.openai_base_url,
        api_key="x",
        max_retries=0,
        **kwargs,
    )


def check_nesting(traces: TraceCapture, events: list[str] | None = None) -> dict[str, Any]:
    """One trace: the LangChain span over exactly one openai SDK span; usage counted once."""
    trace = traces.single()
    (chat,) = tree(trace, *KEYS)
    sdk: dict[str, Any]
    (sdk,) = chat.pop("children")
    assert chat == {
        "name": "ChatOpenAI",
        "span_type": "CHAT_MODEL",
        "status": "OK",
        "inputs": [{"role": "user", "content": "hello"}],
        "outputs": {"role": "assistant", "content": REPLY},
        "events": events or [],
        "attributes": {
            "gen_ai.provider.name": "openai",
            "gen_ai.usage.input_tokens": 1,
            "gen_ai.usage.output_tokens": 3,
        },
    }
    assert (sdk["name"], sdk["span_type"], sdk["status"], sdk["children"]) == (
        "openai.chat.completions.create",
        "CHAT_MODEL",
        "OK",
        [],
    )
    # Both spans report the call's usage; the trace counts it once (the outer span's).
    assert sdk["attributes"]["gen_ai.usage.input_tokens"] == 1
    assert trace.info.token_usage == USAGE
    return sdk


def test_invoke(server: FakeLLMServer, traces: TraceCapture) -> None:
    assert model(server).invoke("hello").content == REPLY
    check_nesting(traces)


async def test_ainvoke(server: FakeLLMServer, traces: TraceCapture, http: Any) -> None:
    assert (await model(server, http_async_client=http).ainvoke("hello")).content == REPLY
    check_nesting(traces)


def test_stream(server: FakeLLMServer, traces: TraceCapture) -> None:
    chunks = list(model(server, stream_usage=True).stream("hello"))
    assert "".join(str(chunk.content) for chunk in chunks) == REPLY
    sdk = check_nesting(traces, events=["stream.chunk"] * (len(chunks)))
    assert sdk["outputs"] is not None


async def test_astream(server: FakeLLMServer, traces: TraceCapture, http: Any) -> None:
    streaming = model(server, stream_usage=True, http_async_client=http)
    chunks = [chunk async for chunk in streaming.astream("hello")]
    assert "".join(str(chunk.content) for chunk in chunks) == REPLY
    check_nesting(traces, events=["stream.chunk"] * (len(chunks)))


@pytest.mark.parametrize("stream", [False, True], ids=["invoke", "stream"])
def test_provider_error_marks_both_spans(
    server: FakeLLMServer, traces: TraceCapture, stream: bool
) -> None:
    openai = pytest.importorskip("openai")
    server.fail_next(429)
    with pytest.raises(openai.RateLimitError):
        if stream:
            list(model(server).stream("hello"))
        else:
            model(server).invoke("hello")
    (chat,) = tree(traces.single(), "gen_ai.output.messages", events=True)
    # No reply came: no empty assistant message stands for one.
    assert (chat["inputs"], chat["outputs"]) == ([{"role": "user", "content": "hello"}], None)
    assert "attributes" not in chat  # no gen_ai.output.messages either
    (sdk,) = chat["children"]
    assert (chat["status"], chat["events"], chat["error"].split(":")[0]) == (
        "ERROR",
        ["exception"],
        "OpenAIRateLimitError",  # langchain_openai's subclass of openai.RateLimitError
    )
    assert (sdk["status"], sdk["error"].split(":")[0]) == ("ERROR", "RateLimitError")


def test_under_a_user_span(server: FakeLLMServer, traces: TraceCapture) -> None:
    @spanscope.trace(span_type="AGENT")
    def bot(text: str) -> str:
        return str(model(server).invoke(text).content)

    assert bot("hello") == REPLY
    trace = traces.single()
    (root,) = tree(trace)
    (chat,) = root["children"]
    assert [root["name"], chat["name"], [c["name"] for c in chat["children"]]] == [
        "bot",
        "ChatOpenAI",
        ["openai.chat.completions.create"],
    ]
    assert trace.info.token_usage == USAGE
