"""Pure functions: smolagents' chat messages, stream deltas, token usage, steps and run results
in the shapes spanscope records (OpenAI-style messages, which `spanscope.entities.chat`
normalises to the GenAI form)."""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from typing import Any

from spanscope.entities.chat import field
from spanscope.tracing.llm import Usage

__all__ = [
    "agent_name",
    "assemble",
    "finish_reason",
    "output_message",
    "provider",
    "request_messages",
    "response_details",
    "run_inputs",
    "run_outputs",
    "split_system",
    "step_outputs",
    "tool_inputs",
    "usage",
]

# smolagents writes earlier tool calls and their observations into the conversation as text
# messages of its own roles; the model classes send them under these roles (smolagents'
# `tool_role_conversions`), unless a model has role conversions of its own.
_TOOL_ROLES = {"tool-call": "assistant", "tool-response": "user"}

# Model classes -> the GenAI provider name (the classes that subclass them inherit theirs).
_PROVIDERS = {
    "AzureOpenAIModel": "azure.ai.openai",
    "OpenAIModel": "openai",
    "LiteLLMModel": "litellm",
    "InferenceClientModel": "huggingface",
    "AmazonBedrockModel": "aws.bedrock",
    "TransformersModel": "transformers",
    "VLLMModel": "vllm",
    "MLXModel": "mlx",
}


def _text(value: Any) -> str:
    return str(value.value) if isinstance(value, enum.Enum) else str(value)


def provider(model: Any) -> str:
    for cls in type(model).__mro__:
        if cls.__name__ in _PROVIDERS:
            return _PROVIDERS[cls.__name__]
    return "smolagents"


def agent_name(agent: Any) -> str:
    name = getattr(agent, "name", None)
    return name if isinstance(name, str) and name else type(agent).__name__


def _content(content: Any) -> Any:
    """A message's content without image data: an image becomes a typed placeholder."""
    if not isinstance(content, list):
        return content
    blocks: list[Any] = []
    for block in content:
        kind = field(block, "type")
        if kind in ("image", "image_url"):
            blocks.append({"type": "blob", "modality": "image"})
        else:
            blocks.append(dict(block) if isinstance(block, Mapping) else block)
    return blocks


def _tool_calls(calls: Any) -> list[dict[str, Any]]:
    if not isinstance(calls, Sequence) or isinstance(calls, str):
        return []
    result = []
    for call in calls:
        function = field(call, "function")
        result.append(
            {
                "id": field(call, "id"),
                "type": "function",
                "function": {
                    "name": field(function, "name"),
                    "arguments": field(function, "arguments"),
                },
            }
        )
    return result


def _message(message: Any, roles: Mapping[str, str]) -> dict[str, Any]:
    role = _text(field(message, "role") or "user")
    role = roles.get(role, role)
    role = _TOOL_ROLES.get(role, role)
    plain: dict[str, Any] = {"role": role, "content": _content(field(message, "content"))}
    calls = _tool_calls(field(message, "tool_calls"))
    if calls:
        plain["tool_calls"] = calls
    return plain


def request_messages(messages: Any, role_conversions: Any = None) -> list[dict[str, Any]]:
    """The conversation a model is given (ChatMessages or dicts) as OpenAI-style messages,
    under the roles the model class sends them with."""
    if not isinstance(messages, Sequence) or isinstance(messages, str):
        return []
    roles = {_text(k): _text(v) for k, v in dict(role_conversions or {}).items()}
    return [_message(message, roles) for message in messages]


def split_system(messages: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], str | None]:
    """The conversation without its system messages, and their text."""
    chat = [m for m in messages if m["role"] != "system"]
    system = [_plain_text(m["content"]) for m in messages if m["role"] == "system"]
    return chat, "\n".join(system) if system else None


def _plain_text(content: Any) -> str:
    if isinstance(content, list):
        texts = [field(block, "text") for block in content]
        return "\n".join(text for text in texts if isinstance(text, str))
    return "" if content is None else str(content)


def output_message(message: Any) -> dict[str, Any]:
    """A model's reply (a ChatMessage) as the assistant's message."""
    plain: dict[str, Any] = {"role": "assistant", "content": _content(field(message, "content"))}
    calls = _tool_calls(field(message, "tool_calls"))
    if calls:
        plain["tool_calls"] = calls
    return plain


def finish_reason(message: Any) -> str | None:
    """Why generation stopped, from the API response smolagents keeps (`raw`), if it has one."""
    choices = field(field(message, "raw"), "choices")
    if not isinstance(choices, Sequence) or isinstance(choices, str) or not choices:
        return None
    reason = field(choices[0], "finish_reason")
    return reason if isinstance(reason, str) else None


def response_details(message: Any) -> tuple[str | None, str | None]:
    """The response's model and id, from the API response smolagents keeps."""
    raw = field(message, "raw")
    model, identifier = field(raw, "model"), field(raw, "id")
    return (
        model if isinstance(model, str) else None,
        identifier if isinstance(identifier, str) else None,
    )


def usage(token_usage: Any) -> Usage | None:
    """smolagents' TokenUsage as spanscope's."""
    if token_usage is None:
        return None
    return Usage(
        input_tokens=field(token_usage, "input_tokens"),
        output_tokens=field(token_usage, "output_tokens"),
    )


def assemble(deltas: Sequence[Any]) -> tuple[dict[str, Any] | None, Usage | None]:
    """A model stream's deltas as the assistant's message and the usage they reported."""
    text: list[str] = []
    calls: dict[Any, dict[str, Any]] = {}
    counts = [0, 0]
    reported = False
    for delta in deltas:
        content = field(delta, "content")
        if isinstance(content, str):
            text.append(content)
        for piece in field(delta, "tool_calls") or []:
            index = field(piece, "index")
            call = calls.setdefault(
                index, {"id": None, "type": "function", "function": {"name": "", "arguments": ""}}
            )
            call["id"] = field(piece, "id") or call["id"]
            function = field(piece, "function")
            name, arguments = field(function, "name"), field(function, "arguments")
            if isinstance(name, str) and name:
                call["function"]["name"] = name
            if isinstance(arguments, str):
                call["function"]["arguments"] += arguments
        tokens = field(delta, "token_usage")
        if tokens is not None:
            reported = True
            counts[0] += field(tokens, "input_tokens") or 0
            counts[1] += field(tokens, "output_tokens") or 0
    if not text and not calls:
        return None, None
    message: dict[str, Any] = {"role": "assistant", "content": "".join(text)}
    if calls:
        message["tool_calls"] = list(calls.values())
    return message, (Usage(counts[0], counts[1]) if reported else None)


def tool_inputs(args: Sequence[Any], kwargs: Mapping[str, Any], names: Sequence[str] = ()) -> Any:
    """A tool call's arguments by name: the keyword arguments, the one dict passed, or the
    positional ones named after the tool's inputs (a list where they cannot be)."""
    named = {k: v for k, v in kwargs.items() if k != "sanitize_inputs_outputs"}
    if len(args) == 1 and not named and isinstance(args[0], Mapping):
        return dict(args[0])
    if not args:
        return named
    if len(args) <= len(names):
        return {**dict(zip(names, args, strict=False)), **named}
    return {"args": list(args), **named} if named else list(args)


def run_inputs(
    task: Any, additional_args: Any = None, max_steps: Any = None, images: Any = None
) -> dict[str, Any]:
    inputs: dict[str, Any] = {"task": task}
    if additional_args:
        inputs["additional_args"] = additional_args
    if max_steps:
        inputs["max_steps"] = max_steps
    if images:
        inputs["images"] = len(images) if isinstance(images, Sequence) else 1
    return inputs


def run_outputs(result: Any) -> Any:
    """A run's result: the final answer, or what a full RunResult says beside it (its steps,
    one memory dump per step, stay out: the step spans hold them)."""
    if type(result).__name__ != "RunResult":
        return result
    return {
        "output": getattr(result, "output", None),
        "state": getattr(result, "state", None),
        "token_usage": getattr(result, "token_usage", None),
    }


def step_outputs(step: Any) -> dict[str, Any]:
    """What an action step did: its tool calls (or code), observations and output."""
    outputs: dict[str, Any] = {}
    calls = getattr(step, "tool_calls", None)
    if calls:
        outputs["tool_calls"] = [
            {"id": field(c, "id"), "name": field(c, "name"), "arguments": field(c, "arguments")}
            for c in calls
        ]
    for name in ("code_action", "observations", "action_output"):
        value = getattr(step, name, None)
        if value is not None:
            outputs[name] = value
    if getattr(step, "is_final_answer", False):
        outputs["is_final_answer"] = True
    return outputs
