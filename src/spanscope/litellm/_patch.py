"""The patches of `spanscope.litellm.autolog()`: one span per completion or embedding call.

Patched: the package attributes `litellm.completion`, `acompletion`, `embedding` and
`aembedding` (the public dispatchers). Not `litellm.main.*`: `main.acompletion` runs
`main.completion` in an executor, so patching those would trace async calls twice.
"""

from __future__ import annotations

import functools
import inspect
from dataclasses import dataclass
from typing import Any

import litellm

from spanscope.entities.span_type import SpanType
from spanscope.litellm import _messages
from spanscope.litellm._stream import trace_in_place
from spanscope.patching import SKIP, CallHooks, await_traced, safe_patch
from spanscope.safety import log_internal_error
from spanscope.tracing.llm import LLMCall, start_llm_span

__all__ = ["patch"]

INTEGRATION = "litellm"
KIND = "litellm autolog"
PROVIDER_ATTRIBUTE = "litellm.provider"
FALLBACK_PROVIDER = "litellm"

# litellm provider names whose OpenTelemetry GenAI name differs (`gen_ai.provider.name`).
GENAI_PROVIDERS = {
    "ollama_chat": "ollama",
    "azure": "azure.ai.openai",
    "azure_ai": "azure.ai.inference",
    "bedrock": "aws.bedrock",
    "vertex_ai": "gcp.vertex_ai",
    "vertex_ai_beta": "gcp.vertex_ai",
    "gemini": "gcp.gemini",
    "mistral": "mistral_ai",
    "xai": "x_ai",
    "watsonx": "ibm.watsonx.ai",
}


@dataclass(frozen=True, slots=True)
class _Kind:
    span_type: str
    operation: str
    sync_twin: str  # whose signature names positional arguments (aembedding has none)


FUNCTIONS = {
    "completion": _Kind(SpanType.CHAT_MODEL, "chat", "completion"),
    "acompletion": _Kind(SpanType.CHAT_MODEL, "chat", "acompletion"),
    "embedding": _Kind(SpanType.EMBEDDING, "embeddings", "embedding"),
    "aembedding": _Kind(SpanType.EMBEDDING, "embeddings", "embedding"),
}


def patch() -> None:
    for name, kind in FUNCTIONS.items():
        signature = inspect.signature(getattr(litellm, kind.sync_twin))
        safe_patch(INTEGRATION, litellm, name, _Hooks(f"litellm.{name}", kind, signature))


class _Hooks(CallHooks):
    def __init__(self, name: str, kind: _Kind, signature: inspect.Signature) -> None:
        self.name = name
        self.kind = kind
        self.signature = signature
        self.chat = kind.span_type == SpanType.CHAT_MODEL

    def before(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        request = _bind(self.signature, args, kwargs)
        inputs = _messages.redacted(request)
        messages = _messages.genai_messages(request.get("messages")) if self.chat else None
        model, provider = _provider(request)
        genai_provider = GENAI_PROVIDERS.get(provider or "", provider) or FALLBACK_PROVIDER
        attributes = {PROVIDER_ATTRIBUTE: provider} if provider != genai_provider else None
        call = start_llm_span(
            self.name,
            provider=genai_provider,
            operation=self.kind.operation,
            inputs=inputs,
            model=model,
            span_type=self.kind.span_type,
            attributes=attributes,
        )
        if call is None:
            return SKIP
        if messages is not None:
            call.set_input_messages(messages)
            call.set_tools(request.get("tools"))
        return call

    def after(self, call: LLMCall, result: Any) -> Any:
        if inspect.iscoroutine(result):  # completion(..., acompletion=True) and the like
            return await_traced(KIND, self, call, result)
        if isinstance(result, litellm.CustomStreamWrapper):
            # The wrapper's own chunk list, not the wrapper: the span is finished on the export
            # thread, when the wrapper may be gone.
            finish = functools.partial(self._finish_stream, seen=getattr(result, "chunks", None))
            return trace_in_place(result, call, finish, KIND)
        try:
            self._record(call, result)
        finally:
            call.end(outputs=result)
        return result

    def error(self, call: LLMCall, exc: BaseException) -> None:
        call.end(error=exc)

    def _record(self, call: LLMCall, response: Any) -> None:
        if self.chat:
            call.set_output_messages(
                _messages.output_messages(response), _messages.finish_reasons(response)
            )
        usage = _messages.usage_of(_messages.field(response, "usage"), with_output=self.chat)
        call.set_usage(usage)
        model, response_id = _messages.field(response, "model"), _messages.field(response, "id")
        call.set_response(
            model=model if isinstance(model, str) else None,
            response_id=response_id if isinstance(response_id, str) else None,
        )

    def _finish_stream(self, call: LLMCall, chunks: list[Any], seen: list[Any] | None) -> Any:
        """The whole response rebuilt from the chunks, with the usage the provider reported."""
        if not chunks:
            return None
        response: Any = litellm.stream_chunk_builder(chunks)
        if response is None:
            return None
        # The caller sees a usage chunk only when it asked (`stream_options={"include_usage":
        # True}`); the wrapper's own `chunks` keep those providers such as Anthropic always send.
        usage = _messages.reported_usage(chunks) or _messages.reported_usage(seen)
        reasons = _messages.reported_finish_reasons(chunks)
        for choice in _messages.field(response, "choices") or []:
            # The builder says "stop" for a stream that broke off or was dropped: keep only
            # the reasons the provider sent.
            choice.finish_reason = reasons.get(_messages.field(choice, "index") or 0)
        # Without a reported usage the rebuilt response carries litellm's estimate: leave it out.
        response.usage = usage
        try:
            self._record(call, response)
        except Exception as exc:  # keep the rebuilt outputs all the same
            log_internal_error(KIND, exc)
        return response


def _provider(request: dict[str, Any]) -> tuple[str | None, str | None]:
    """The model name without its provider prefix, and litellm's provider for it."""
    model = request.get("model")
    if not isinstance(model, str):
        return None, None
    try:
        name, provider, _, _ = litellm.get_llm_provider(
            model=model,
            custom_llm_provider=request.get("custom_llm_provider"),
            api_base=request.get("api_base"),
        )
    except Exception:  # litellm raises its own clear error for this, in the call itself
        return model, None
    return name, provider


def _bind(
    signature: inspect.Signature, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> dict[str, Any]:
    """The call's arguments by name, as the caller passed them (`**kwargs` flattened)."""
    try:
        bound = signature.bind_partial(*args, **kwargs).arguments
    except TypeError:  # litellm raises its own error for these; record them as given
        return {"args": list(args), **kwargs} if args else dict(kwargs)
    request: dict[str, Any] = {}
    for name, value in bound.items():
        kind = signature.parameters[name].kind
        if kind is inspect.Parameter.VAR_KEYWORD:
            request.update(value)
        elif kind is inspect.Parameter.VAR_POSITIONAL:
            if value:
                request[name] = list(value)
        else:
            request[name] = value
    return request
