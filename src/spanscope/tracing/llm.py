"""Shared plumbing of LLM integrations: an LLM span with the chat in the GenAI shape.

Every provider integration starts its spans here and records the conversation, model,
provider, token usage, finish reasons, tool definitions and tool calls with the same keys
(`spanscope.constants.SpanAttributeKey`), so the UI has one chat renderer and OTLP export is
standards-native. Messages are normalised with `spanscope.entities.chat`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from spanscope.constants import SpanAttributeKey as K
from spanscope.entities.chat import normalize_messages, normalize_tool_definition
from spanscope.entities.span_type import SpanType
from spanscope.safety import log_internal_error
from spanscope.tracing.context import RemoteParent
from spanscope.tracing.live_span import LiveSpan, NoOpSpan
from spanscope.tracing.processor import encode_attributes, start_span

__all__ = ["LLMCall", "Usage", "start_llm_span", "start_model_object_span"]


@dataclass(slots=True)
class Usage:
    """Token counts of one call; None where the provider did not say."""

    input_tokens: int | None = None
    output_tokens: int | None = None
    cache_read_tokens: int | None = None
    cache_creation_tokens: int | None = None
    reasoning_tokens: int | None = None

    def attributes(self) -> dict[str, int]:
        pairs = (
            (K.GEN_AI_INPUT_TOKENS, self.input_tokens),
            (K.GEN_AI_OUTPUT_TOKENS, self.output_tokens),
            (K.GEN_AI_CACHE_READ_TOKENS, self.cache_read_tokens),
            (K.GEN_AI_CACHE_CREATION_TOKENS, self.cache_creation_tokens),
            (K.GEN_AI_REASONING_TOKENS, self.reasoning_tokens),
        )
        return {key: int(value) for key, value in pairs if isinstance(value, (int, float))}


@dataclass(slots=True)
class LLMCall:
    """The span of one LLM call and what patching needs to finish it (see CallHooks)."""

    span: LiveSpan

    def set_input_messages(self, messages: Any, system: Any = None) -> None:
        """The conversation sent, in any common shape (OpenAI, Anthropic, GenAI)."""
        normalized = normalize_messages(messages, "user") or []
        if system is not None:
            if isinstance(system, str) or (
                isinstance(system, list)
                and not any(isinstance(m, Mapping) and "role" in m for m in system)
            ):
                system = [{"role": "system", "content": system}]  # a prompt, not messages
            instructions = normalize_messages(system, "system") or []
            self.span.set_attribute(
                K.GEN_AI_SYSTEM_INSTRUCTIONS,
                [part for message in instructions for part in message["parts"]],
            )
            normalized = [*({**m, "role": "system"} for m in instructions), *normalized]
        self.span.set_attribute(K.GEN_AI_INPUT_MESSAGES, normalized)

    def set_output_messages(
        self, messages: Any, finish_reasons: Sequence[str | None] | None = None
    ) -> None:
        """The reply (one message or several choices) and why generation stopped."""
        normalized = normalize_messages(messages, "assistant") or []
        given = list(finish_reasons or [])
        for message, reason in zip(normalized, given, strict=False):  # choice i <-> reason i
            if reason:
                message.setdefault("finish_reason", reason)
        reasons = [r for r in given if r]
        if reasons:
            self.span.set_attribute(K.GEN_AI_FINISH_REASONS, reasons)
        self.span.set_attribute(K.GEN_AI_OUTPUT_MESSAGES, normalized)

    def set_tools(self, tools: Sequence[Any] | None) -> None:
        if tools:
            definitions = [normalize_tool_definition(tool) for tool in tools]
            self.span.set_attribute(K.GEN_AI_TOOL_DEFINITIONS, definitions)

    def set_usage(self, usage: Usage | None) -> None:
        if usage is not None:
            self.span.set_attributes(usage.attributes())

    def set_response(self, model: str | None = None, response_id: str | None = None) -> None:
        if model:
            self.span.set_attribute(K.GEN_AI_RESPONSE_MODEL, model)
        if response_id:
            self.span.set_attribute(K.GEN_AI_RESPONSE_ID, response_id)

    def defer(self, kind: str, work: Callable[[], None]) -> None:
        """Run `work` (which records on this span) when the trace is built, on the export
        thread; its errors are internal errors of `kind` (the integration's). Only for work
        that reads data the integration made and nothing else holds (plain copies of a request
        or response): the caller's object may change meanwhile."""
        self.span.defer(functools.partial(_logged, kind, work))

    def end(self, outputs: Any = None, error: BaseException | None = None) -> None:
        if error is not None:
            self.span.record_exception(error)
        self.span.end(outputs=outputs)


def _logged(kind: str, work: Callable[[], None]) -> None:
    try:
        work()
    except Exception as exc:
        log_internal_error(kind, exc)


# (span type, provider, operation, model) -> the encoded attributes an LLM span starts with
_BASES: dict[tuple[str, str, str, str | None], dict[str, str]] = {}
_MAX_BASES = 256  # models named at run time (a bound, not a choice)


def _encoded_base(
    span_type: str,
    provider: str,
    operation: str,
    model: str | None,
    attributes: Mapping[str, Any] | None,
) -> dict[str, str]:
    base: dict[str, Any] = {K.GEN_AI_PROVIDER: provider, K.GEN_AI_OPERATION: operation}
    if model:
        base[K.GEN_AI_REQUEST_MODEL] = model
    if attributes:
        base.update(attributes)
    return encode_attributes(span_type, base)


def start_llm_span(
    name: str,
    *,
    provider: str,
    operation: str,
    inputs: Any,
    model: str | None = None,
    span_type: str = SpanType.CHAT_MODEL,
    attributes: Mapping[str, Any] | None = None,
    parent: LiveSpan | NoOpSpan | RemoteParent | bool | None = True,
) -> LLMCall | None:
    """Start an LLM span under `parent` (default: the current span); None when tracing is off
    or sampled out."""
    if attributes:
        encoded = _encoded_base(span_type, provider, operation, model, attributes)
    else:  # the same few per app: encoded once (a copy each span, which owns its dict)
        key = (span_type, provider, operation, model)
        known = _BASES.get(key)
        if known is None:
            if len(_BASES) >= _MAX_BASES:
                _BASES.clear()
            known = _BASES[key] = _encoded_base(span_type, provider, operation, model, None)
        encoded = known.copy()
    span = start_span(name, encoded, parent)
    if isinstance(span, NoOpSpan):
        return None
    span.set_inputs(inputs)
    return LLMCall(span)


def start_model_object_span(
    model_object: Any, method: str, *, provider: str, inputs: Any, model_attribute: str
) -> LLMCall | None:
    """Start the CHAT_MODEL span of a call on a framework's model object: named
    `<its class>.<method>`, its model name read from the object's `model_attribute`."""
    model = getattr(model_object, model_attribute, None)
    return start_llm_span(
        f"{type(model_object).__name__}.{method}",
        provider=provider,
        operation="chat",
        inputs=inputs,
        model=model if isinstance(model, str) else None,
    )
