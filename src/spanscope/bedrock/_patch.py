"""Where boto3 is patched for Bedrock Runtime, and what happens around each call.

The patch point is `botocore.client.BaseClient._make_api_call`: every operation of every
boto3 client goes through it (boto3 generates each client class at run time, without a method
of its own to patch), including clients made before `autolog()`. The hooks leave every other
service and operation untraced at once; for a `bedrock-runtime` client they trace:

- `Converse`: one CHAT_MODEL span, the chat from the request and the response.
- `ConverseStream`: the response's `stream` (a botocore `EventStream`) is traced in place: the
  caller reads the same object, whose events pass through a traced generator that assembles
  the reply (`contentBlockDelta`, `messageStop`, `metadata`) and ends the span when the
  stream is exhausted, closed, dropped or fails.
- `InvokeModel`: the model's own JSON body. The response body is read (it is a one-shot
  stream) and replaced by a fresh `StreamingBody` over the same bytes, so the caller reads
  what it would have.
- `InvokeModelWithResponseStream`: as ConverseStream, over the `body` of `chunk` events.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Generator, Iterator, Mapping
from typing import Any, cast

from botocore.client import BaseClient
from botocore.eventstream import EventStream
from botocore.response import StreamingBody

from spanscope.bedrock import _invoke, _messages
from spanscope.patching import SKIP, CallHooks, safe_patch
from spanscope.safety import log_internal_error
from spanscope.tracing.live_span import LiveSpan
from spanscope.tracing.llm import LLMCall, start_llm_span
from spanscope.tracing.streaming import trace_stream

__all__ = ["INTEGRATION", "patch"]

INTEGRATION = "bedrock"
KIND = "bedrock autolog"  # the kind of internal error: silent=True mutes it
SERVICE = "bedrock-runtime"
PROVIDER = "aws.bedrock"
_OPERATIONS = {
    "Converse": "converse",
    "ConverseStream": "converse_stream",
    "InvokeModel": "invoke_model",
    "InvokeModelWithResponseStream": "invoke_model_with_response_stream",
}
_PREFIX = "BedrockRuntime"  # the class name boto3 gives a bedrock-runtime client


def patch() -> None:
    """Apply the patch (autolog() reverts the previous one first)."""
    safe_patch(INTEGRATION, BaseClient, "_make_api_call", ApiCallHooks())


class BedrockCall(LLMCall):
    """An LLMCall that knows its operation, and whose `end` is idempotent: a stream's span
    may end when the caller closes it and again when its generator is collected."""

    __slots__ = ("operation",)

    def __init__(self, span: LiveSpan, operation: str) -> None:
        super().__init__(span)
        self.operation = operation

    def end(self, outputs: Any = None, error: BaseException | None = None) -> None:
        if not self.span.is_ended:
            LLMCall.end(self, outputs=outputs, error=error)


def _service(client: Any) -> str | None:
    model = getattr(getattr(client, "meta", None), "service_model", None)
    name = getattr(model, "service_name", None)
    return name if isinstance(name, str) else None


class ApiCallHooks(CallHooks):
    """`_make_api_call(client, operation_name, api_params)`: traced for Bedrock Runtime's
    model calls only."""

    def before(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        if len(args) < 3:
            return SKIP  # botocore passes all three positionally; anything else is not ours
        client, operation, params = args[0], args[1], args[2]
        if operation not in _OPERATIONS or _service(client) != SERVICE:
            return SKIP
        if not isinstance(params, Mapping):
            return SKIP
        return start_call(operation, params) or SKIP

    def after(self, state: BedrockCall, result: Any) -> Any:
        try:
            if state.operation == "ConverseStream":
                return _traced_stream(result, "stream", state, finish_converse_stream)
            if state.operation == "InvokeModelWithResponseStream":
                return _traced_stream(result, "body", state, finish_invoke_stream)
            if state.operation == "InvokeModel":
                return _finish_invoke(state, result)
            outputs = None
            try:
                outputs = _messages.response_outputs(result)
                record_converse(state, result)
            finally:
                state.end(outputs=outputs)
            return result
        except BaseException:
            state.end()  # never leave a span open; the caller gets its result untraced
            raise

    def error(self, state: BedrockCall, exc: BaseException) -> None:
        state.end(error=exc)


# -- starting a span --------------------------------------------------------------------------


def start_call(operation: str, params: Mapping[str, Any]) -> BedrockCall | None:
    """Start the CHAT_MODEL span of one model call; None when tracing is off or sampled out."""
    # Everything that can fail runs before the span starts, so a failure leaves no open span.
    system: Any
    if operation in ("Converse", "ConverseStream"):
        inputs = _messages.request_inputs(params)
        messages: Any = _messages.input_messages(params.get("messages"))
        system = _messages.system_parts(params.get("system"))
        tools: Any = _messages.tool_definitions(params.get("toolConfig"))
    else:
        inputs = _invoke.request_inputs(params)
        body = inputs.get("body")
        messages, system = _invoke.input_messages(body), _invoke.system(body)
        tools = _invoke.tool_definitions(body)
    model = params.get("modelId")
    started = start_llm_span(
        f"{_PREFIX}.{_OPERATIONS[operation]}",
        provider=PROVIDER,
        operation="chat",
        inputs=inputs,
        model=model if isinstance(model, str) else None,
    )
    if started is None:
        return None
    call = BedrockCall(started.span, operation)
    try:
        if messages is not None or system is not None:
            call.set_input_messages(messages or [], system=system)
        call.set_tools(tools)
    except BaseException:
        call.end()
        raise
    return call


# -- Converse ---------------------------------------------------------------------------------


def record_converse(call: LLMCall, response: Any) -> None:
    """Set a Converse response's message, stop reason and usage on the span."""
    call.set_output_messages(
        _messages.output_messages(response), [_messages.finish_reason(response)]
    )
    call.set_usage(_messages.usage(response))


def finish_converse_stream(call: LLMCall, events: list[Any]) -> Any:
    """Record the response a ConverseStream's events add up to; it becomes the outputs."""
    response = _messages.assemble(events)
    if response is not None:
        record_converse(call, response)
    return response


# -- InvokeModel ------------------------------------------------------------------------------


def record_invoke(call: LLMCall, body: Any, headers: Mapping[str, Any] | None) -> None:
    """Set a model body's reply, stop reason, usage and id on the span."""
    call.set_output_messages(_invoke.output_messages(body), _invoke.finish_reasons(body))
    call.set_usage(_invoke.usage(body, headers))
    call.set_response(response_id=_invoke.response_id(body))


def _finish_invoke(call: BedrockCall, result: Any) -> Any:
    """Read the response body, hand the caller a fresh one over the same bytes, and record
    what it holds."""
    body = result.get("body") if isinstance(result, dict) else None
    if not isinstance(body, StreamingBody):
        call.end(outputs=_messages.response_outputs(result))
        return result
    try:
        data = body.read()
    except Exception as exc:
        # The caller's own read would have failed: it fails so still, with the same error.
        result["body"] = StreamingBody(_Failing(exc), None)
        call.end(error=exc)
        return result
    result["body"] = StreamingBody(io.BytesIO(data), len(data))
    decoded = _invoke.decode(data)
    outputs = None
    try:
        rest = {key: value for key, value in result.items() if key != "body"}
        outputs = {**_messages.response_outputs(rest), "body": decoded}
        record_invoke(call, decoded, _headers(result))
    finally:
        call.end(outputs=outputs)
    return result


def _headers(result: Mapping[str, Any]) -> Mapping[str, Any] | None:
    headers = (result.get("ResponseMetadata") or {}).get("HTTPHeaders")
    return headers if isinstance(headers, Mapping) else None


class _Failing(io.RawIOBase):
    """A body whose every read raises the error reading it raised."""

    def __init__(self, error: Exception) -> None:
        super().__init__()
        self.error = error

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        raise self.error


def finish_invoke_stream(call: LLMCall, events: list[Any]) -> Any:
    """Record the body an InvokeModelWithResponseStream's chunks add up to."""
    body = _invoke.assemble(events)
    if body is not None:
        record_invoke(call, body, None)
    return body


# -- streams ----------------------------------------------------------------------------------


Finish = Callable[[LLMCall, list[Any]], Any]


def _traced_stream(result: Any, key: str, call: BedrockCall, finish: Finish) -> Any:
    stream = result.get(key) if isinstance(result, dict) else None
    if type(stream) is not EventStream:
        call.end()  # not the stream botocore makes: left untraced, the span ends here
        return result
    events = trace_stream(iter_events(stream), call, finish, KIND)
    stream.__dict__["_spanscope_events"] = events
    stream.__dict__["_spanscope_call"] = call
    # The caller keeps the very object botocore returned; only its class changes, to one
    # that reads the same events through the traced generator.
    stream.__class__ = TracedEventStream
    return result


def iter_events(stream: Any) -> Iterator[Any]:
    """The stream's events as botocore's own iterator parses them."""
    events: Iterator[Any] = EventStream.__iter__(stream)
    return events


class TracedEventStream(EventStream):  # type: ignore[misc]  # botocore has no type hints
    """A botocore EventStream whose events pass through spanscope's traced generator."""

    _spanscope_events: Iterator[Any]
    _spanscope_call: BedrockCall

    def __iter__(self) -> Iterator[Any]:
        return self._spanscope_events

    def close(self) -> None:
        try:
            # Closing the traced generator ends the span with what was read.
            cast("Generator[Any, None, None]", self._spanscope_events).close()
        finally:
            try:
                EventStream.close(self)
            finally:
                _end_quietly(self._spanscope_call)


def _end_quietly(call: BedrockCall) -> None:
    """End a stream's span closed before its first event (no output): never the caller's
    error."""
    try:
        call.end()
    except Exception as exc:
        log_internal_error(KIND, exc)
