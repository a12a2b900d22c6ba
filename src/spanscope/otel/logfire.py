"""Pydantic Logfire and Pydantic AI attributes mapped onto the spanscope span.

* Logfire writes structured attributes as JSON text and names them in `logfire.json_schema`
  (`{"properties": {name: {"type": "object" | "array", ...}}}`): those are decoded.
* A Logfire span is named by its message template (`app run {who}`); `logfire.msg` holds the
  formatted message (`app run alice`), which `span_name` gives as the span's name.
* Pydantic AI's agent span (`invoke_agent <agent>`, or `agent run` in its older formats) keeps
  the whole run in `pydantic_ai.all_messages` and the answer in `final_result`: it becomes an
  AGENT whose inputs are the messages before the first answer (with the system instructions),
  whose outputs are the final result, and whose chat is the conversation (the last assistant
  message is the output message). Its usage (`gen_ai.aggregated_usage.*`, the sum over its
  model calls) becomes the span's usage (`gen_ai.usage.*`): the trace's roll-up counts a span
  only when no ancestor reports usage, so nothing is counted twice. `model_name` is the model.
* Pydantic AI's message parts (`result` in tool results, `thinking`, tool-call arguments as
  JSON text, tool results in `user` messages) are tidied by the GenAI step for every span.
* The tool spans of the older formats (`running tool`) carry `tool_arguments` /
  `tool_response`: they become a TOOL's inputs and outputs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from spanscope.constants import SpanAttributeKey as K
from spanscope.entities.chat import normalize_messages
from spanscope.entities.span_type import SpanType
from spanscope.otel.conventions import LogfireKey as LF
from spanscope.otel.conventions import PydanticAIKey as PA
from spanscope.otel.draft import SpanDraft, move, parse_json
from spanscope.otel.genai import tidy_messages

__all__ = ["apply_logfire", "is_logfire", "span_name"]

_PREFIXES = ("logfire.", "pydantic_ai.", PA.AGGREGATED_USAGE_PREFIX)
_USAGE_PREFIX = "gen_ai.usage."
_JSON_TYPES = frozenset({"object", "array"})


def is_logfire(key: str) -> bool:
    """Whether an attribute key is one this module reads."""
    return key.startswith(_PREFIXES)


def span_name(name: str, attributes: Mapping[str, Any]) -> str:
    """The formatted message for a span named by its Logfire message template, else `name`."""
    message = attributes.get(LF.MSG)
    if isinstance(message, str) and message and name == attributes.get(LF.MSG_TEMPLATE):
        return message
    return name


def apply_logfire(draft: SpanDraft) -> None:
    """Map Logfire and Pydantic AI attributes of a foreign span (see the module docstring)."""
    attrs = draft.attributes
    _decode_json_attributes(attrs)
    if PA.ALL_MESSAGES in attrs or PA.FINAL_RESULT in attrs:
        _agent(draft)
    if PA.TOOL_ARGUMENTS in attrs and K.GEN_AI_TOOL_NAME in attrs:
        draft.span_type = draft.span_type or SpanType.TOOL
        if draft.inputs is None:
            draft.inputs = parse_json(attrs.pop(PA.TOOL_ARGUMENTS))
        if draft.outputs is None and PA.TOOL_RESPONSE in attrs:
            draft.outputs = parse_json(attrs.pop(PA.TOOL_RESPONSE))


def _decode_json_attributes(attrs: dict[str, Any]) -> None:
    schema = parse_json(attrs.get(LF.JSON_SCHEMA))
    properties = schema.get("properties") if isinstance(schema, Mapping) else None
    if not isinstance(properties, Mapping):
        return
    for name, spec in properties.items():
        if isinstance(spec, Mapping) and spec.get("type") in _JSON_TYPES and name in attrs:
            attrs[name] = parse_json(attrs[name])


def _agent(draft: SpanDraft) -> None:
    attrs = draft.attributes
    if draft.span_type is None:
        draft.span_type = SpanType.AGENT
    messages = normalize_messages(attrs.get(PA.ALL_MESSAGES), "user")
    if messages is not None:
        del attrs[PA.ALL_MESSAGES]
        messages = tidy_messages(messages)
        answer = messages[-1:] if messages and messages[-1].get("role") == "assistant" else []
        attrs.setdefault(K.GEN_AI_INPUT_MESSAGES, messages[: len(messages) - len(answer)])
        if answer:
            attrs.setdefault(K.GEN_AI_OUTPUT_MESSAGES, answer)
        if draft.inputs is None:
            draft.inputs = {"messages": _prompt(attrs, messages)}
    if draft.outputs is None and PA.FINAL_RESULT in attrs:
        draft.outputs = attrs.pop(PA.FINAL_RESULT)
    for key in [k for k in attrs if k.startswith(PA.AGGREGATED_USAGE_PREFIX)]:
        move(attrs, key, _USAGE_PREFIX + key[len(PA.AGGREGATED_USAGE_PREFIX) :])
    move(attrs, PA.MODEL_NAME, K.GEN_AI_REQUEST_MODEL)


def _prompt(attrs: Mapping[str, Any], messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The messages before the agent's first answer, after its system instructions."""
    prompt: list[dict[str, Any]] = []
    instructions = parse_json(attrs.get(K.GEN_AI_SYSTEM_INSTRUCTIONS))
    if isinstance(instructions, list) and instructions:
        prompt.append({"role": "system", "parts": instructions})
    for message in messages:
        if message.get("role") == "assistant":
            break
        prompt.append(message)
    return prompt
