"""safe_patch / revert on a small library defined here: identity, single span, fallbacks."""

from __future__ import annotations

import inspect
import logging
from collections.abc import Iterator
from typing import Any

import pytest

import spanscope
from spanscope.patching import SKIP, CallHooks, is_patched, revert, safe_patch
from spanscope.testing import TraceCapture, span_tree, strict_mode
from spanscope.tracing.llm import LLMCall, Usage, start_llm_span
from spanscope.tracing.streaming import trace_async_stream, trace_stream


class Client:
    """A stand-in for an SDK resource class."""

    def create(self, prompt: str, *, stream: bool = False) -> Any:
        """Create a completion."""
        if prompt == "boom":
            raise ValueError("provider said no")
        if stream:
            return iter(["Hel", "lo"])
        return {"text": f"echo {prompt}", "tokens": [3, 2]}

    async def acreate(self, prompt: str) -> dict[str, Any]:
        return {"text": f"echo {prompt}", "tokens": [3, 2]}

    @staticmethod
    def helper(x: int) -> int:
        return x + 1


def finish(call: LLMCall, chunks: list[Any]) -> str:
    text = "".join(chunks)
    call.set_output_messages([{"role": "assistant", "content": text}])
    return text


class Hooks(CallHooks):
    def __init__(self, fail_in: str | None = None) -> None:
        self.fail_in = fail_in

    def before(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        if self.fail_in == "before":
            raise RuntimeError("bug in before")
        prompt = args[1] if len(args) > 1 else kwargs["prompt"]
        call = start_llm_span("Client.create", provider="toy", operation="chat", inputs=prompt)
        if call is None:
            return SKIP
        call.set_input_messages([{"role": "user", "content": prompt}])
        return call

    def after(self, state: LLMCall, result: Any) -> Any:
        if self.fail_in == "after":
            raise RuntimeError("bug in after")
        if isinstance(result, dict):
            state.set_output_messages([{"role": "assistant", "content": result["text"]}], ["stop"])
            state.set_usage(Usage(*result["tokens"]))
            state.end(outputs=result)
            return result
        if inspect.isasyncgen(result) or hasattr(result, "__anext__"):
            return trace_async_stream(result, state, finish)
        return trace_stream(result, state, finish)

    def error(self, state: LLMCall, exc: BaseException) -> None:
        state.end(error=exc)


@pytest.fixture
def patched() -> Iterator[None]:
    safe_patch("toy", Client, "create", Hooks())
    safe_patch("toy", Client, "acreate", Hooks())
    yield
    revert("toy")


def test_patch_keeps_identity_metadata_and_reverts_exactly() -> None:
    original = Client.__dict__["create"]
    original_static = Client.__dict__["helper"]
    assert safe_patch("toy", Client, "create", Hooks())
    assert not safe_patch("toy", Client, "create", Hooks())  # applying twice: one patch
    assert safe_patch("toy", Client, "helper", CallHooks())
    assert Client.create.__name__ == "create"
    assert Client.create.__doc__ == "Create a completion."
    assert Client.create.__wrapped__ is original  # type: ignore[attr-defined]
    assert inspect.signature(Client.create) == inspect.signature(original)
    assert Client.helper(1) == 2
    assert is_patched("toy")
    revert("toy")
    assert Client.__dict__["create"] is original
    assert Client.__dict__["helper"] is original_static
    assert not is_patched("toy")


@pytest.mark.usefixtures("patched")
def test_one_span_with_chat_and_usage(spanscope_traces: TraceCapture) -> None:
    with spanscope.start_span("agent", span_type="AGENT"):
        assert Client().create("hi") == {"text": "echo hi", "tokens": [3, 2]}
    (trace,) = spanscope_traces.traces
    tree = span_tree(trace, attributes=True)
    llm = tree[0]["children"][0]
    assert llm["name"] == "Client.create"
    assert llm["span_type"] == "CHAT_MODEL"
    assert llm["attributes"] == {
        "gen_ai.provider.name": "toy",
        "gen_ai.operation.name": "chat",
        "gen_ai.input.messages": [{"role": "user", "parts": [{"type": "text", "content": "hi"}]}],
        "gen_ai.output.messages": [
            {
                "role": "assistant",
                "parts": [{"type": "text", "content": "echo hi"}],
                "finish_reason": "stop",
            }
        ],
        "gen_ai.response.finish_reasons": ["stop"],
        "gen_ai.usage.input_tokens": 3,
        "gen_ai.usage.output_tokens": 2,
    }
    assert trace.info.token_usage == {"input_tokens": 3, "output_tokens": 2, "total_tokens": 5}


@pytest.mark.usefixtures("patched")
async def test_async_call(spanscope_traces: TraceCapture) -> None:
    assert (await Client().acreate("yo"))["text"] == "echo yo"
    assert span_tree(spanscope_traces.single())[0]["outputs"] == {
        "text": "echo yo",
        "tokens": [3, 2],
    }


@pytest.mark.usefixtures("patched")
def test_user_exception_passes_through_and_marks_the_span(spanscope_traces: TraceCapture) -> None:
    with pytest.raises(ValueError, match="provider said no") as caught:
        Client().create("boom")
    assert type(caught.value) is ValueError
    tree = span_tree(spanscope_traces.single())
    assert tree[0]["error"] == "ValueError: provider said no"


@pytest.mark.usefixtures("patched")
def test_streams_end_when_exhausted_or_abandoned(spanscope_traces: TraceCapture) -> None:
    assert list(Client().create("s", stream=True)) == ["Hel", "lo"]
    stream = Client().create("s", stream=True)
    assert next(stream) == "Hel"
    del stream  # abandoned: garbage-collected, the span still ends
    first, second = spanscope_traces.traces
    for trace, chunks in ((first, ["Hel", "lo"]), (second, ["Hel"])):
        span = trace.data.spans[0]
        assert span.outputs == "".join(chunks)
        assert span.get_attribute("spanscope.span.time_to_first_token_ns") > 0
        assert [(e.name, e.attributes) for e in span.events] == [
            ("stream.chunk", {"index": i, "value": chunk}) for i, chunk in enumerate(chunks)
        ]


@pytest.mark.internal_errors
@pytest.mark.parametrize("fail_in", ["before", "after"])
def test_errors_in_our_hooks_leave_the_call_untouched(
    fail_in: str, caplog: pytest.LogCaptureFixture
) -> None:
    calls: list[str] = []
    original = Client.create

    def counting(self: Client, prompt: str, **kwargs: Any) -> Any:
        calls.append(prompt)
        return original(self, prompt, **kwargs)

    Client.create = counting  # type: ignore[method-assign]
    try:
        safe_patch("toy", Client, "create", Hooks(fail_in=fail_in))
        with strict_mode(False), caplog.at_level(logging.WARNING, logger="spanscope"):
            assert Client().create("hi") == {"text": "echo hi", "tokens": [3, 2]}
        assert calls == ["hi"]  # the original ran exactly once
        assert any(f"bug in {fail_in}" in r.getMessage() for r in caplog.records)
    finally:
        revert("toy")
        Client.create = original  # type: ignore[method-assign]
