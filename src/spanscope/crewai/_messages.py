"""Pure functions: CrewAI's objects (crews, tasks, agents, tools, an LLM's requests and
replies) -> the names, inputs, outputs, chat messages and usage spanscope records."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from spanscope.tracing.llm import Usage

__all__ = [
    "agent_name",
    "as_dict",
    "crew_name",
    "named",
    "output_message",
    "provider",
    "request_messages",
    "result_outputs",
    "split_system",
    "task_name",
    "tool_calls",
    "tool_inputs",
    "usage",
]

_NAME_LENGTH = 80


def named(value: Any, fallback: str) -> str:
    """`value` when it is a non-empty string, else `fallback`."""
    return value.strip() if isinstance(value, str) and value.strip() else fallback


def crew_name(crew: Any) -> str:
    return named(getattr(crew, "name", None), "Crew")


def agent_name(agent: Any) -> str:
    return named(getattr(agent, "role", None), type(agent).__name__)


def task_name(task: Any) -> str:
    """A task's name, or the first line of its description (shortened)."""
    name = getattr(task, "name", None)
    if isinstance(name, str) and name.strip():
        return name.strip()
    description = getattr(task, "description", None)
    if isinstance(description, str) and description.strip():
        line = description.strip().splitlines()[0]
        return line if len(line) <= _NAME_LENGTH else line[: _NAME_LENGTH - 1] + "…"
    return "Task"


def result_outputs(result: Any) -> Any:
    """A CrewOutput, TaskOutput or LiteAgentOutput as its text (and structured form, where
    the task asked for one); anything else as it is."""
    raw = getattr(result, "raw", None)
    if not isinstance(raw, str):
        return result
    structured = getattr(result, "pydantic", None) or getattr(result, "json_dict", None)
    return raw if structured is None else {"raw": raw, "structured": structured}


def tool_inputs(args: Sequence[Any], kwargs: Mapping[str, Any]) -> Any:
    """A tool's arguments: by name, or the positional ones as a list."""
    if not args:
        return dict(kwargs)
    if len(args) == 1 and not kwargs:
        return args[0]
    return {"args": list(args), **kwargs}


def provider(llm: Any) -> str:
    """The GenAI provider name of a CrewAI LLM (its own `provider`, else `litellm`)."""
    value = getattr(llm, "provider", None)
    if isinstance(value, str) and value:
        return "gcp.gemini" if value in ("gemini", "google") else value
    return "litellm" if type(llm).__name__ == "LLM" else "crewai"


def request_messages(messages: Any) -> list[Any]:
    """A call's `messages` (a prompt or OpenAI-style messages) as a list of messages."""
    if isinstance(messages, str):
        return [{"role": "user", "content": messages}]
    if isinstance(messages, Sequence):
        return list(messages)
    return []


def split_system(messages: list[Any]) -> tuple[list[Any], list[Any] | None]:
    """The conversation and the system messages in it."""
    system = [m for m in messages if isinstance(m, Mapping) and m.get("role") == "system"]
    chat = [m for m in messages if not (isinstance(m, Mapping) and m.get("role") == "system")]
    return chat, system or None


def _tool_call(call: Any) -> dict[str, Any] | None:
    if isinstance(call, Mapping):
        function = call.get("function")
        if isinstance(function, Mapping):  # OpenAI's chat form
            name, arguments = function.get("name"), function.get("arguments")
        else:  # the Responses API's form, as CrewAI returns it
            name, arguments = call.get("name"), call.get("arguments", call.get("input"))
        call_id = call.get("id") or call.get("call_id")
    else:
        function = getattr(call, "function", None)
        name = getattr(function, "name", None) or getattr(call, "name", None)
        arguments = getattr(function, "arguments", None) or getattr(call, "arguments", None)
        call_id = getattr(call, "id", None)
    if not isinstance(name, str):
        return None
    if not isinstance(arguments, str):
        arguments = json.dumps(arguments if arguments is not None else {}, default=str)
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


def tool_calls(result: Any) -> list[dict[str, Any]] | None:
    """The tool calls a model call returned (CrewAI returns them when it does not run the
    tools itself), in OpenAI's form; None when the result is not a list of tool calls."""
    if isinstance(result, (str, bytes, Mapping)) or not isinstance(result, Sequence):
        return None
    calls = [_tool_call(call) for call in result]
    if not calls or any(call is None for call in calls):
        return None
    return [call for call in calls if call is not None]


def output_message(result: Any) -> dict[str, Any]:
    """A model call's result (its text, tool calls, a structured reply) as the reply."""
    calls = tool_calls(result)
    if calls is not None:
        return {"role": "assistant", "content": None, "tool_calls": calls}
    if isinstance(result, str):
        return {"role": "assistant", "content": result}
    dump = getattr(result, "model_dump_json", None)
    text = dump() if callable(dump) else json.dumps(result, default=str)
    return {"role": "assistant", "content": text}


def as_dict(value: Any) -> dict[str, Any] | None:
    """A mapping or a pydantic object (LiteLLM's `Usage`) as a dict; None for anything else."""
    if isinstance(value, Mapping):
        return dict(value)
    dump = getattr(value, "model_dump", None)
    dumped = dump() if callable(dump) else None
    return dumped if isinstance(dumped, dict) else None


def usage(metrics: Any) -> Usage | None:
    """CrewAI's UsageMetrics of one call as token counts."""
    if metrics is None:
        return None

    def count(name: str) -> int | None:
        value = getattr(metrics, name, None)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    return Usage(
        input_tokens=count("prompt_tokens"),
        output_tokens=count("completion_tokens"),
        cache_read_tokens=count("cached_prompt_tokens") or None,
        cache_creation_tokens=count("cache_creation_tokens") or None,
        reasoning_tokens=count("reasoning_tokens") or None,
    )
