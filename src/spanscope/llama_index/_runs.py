"""What a LlamaIndex span records: its span type, inputs and outputs, and the run state.

Pure, duck-typed (no LlamaIndex import): classes are recognised by the names in their MRO,
so the agent and workflow packages need not be imported to type their spans.
"""

from __future__ import annotations

import functools
import inspect
import weakref
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

from spanscope.entities.span_type import SpanType
from spanscope.llama_index import _messages
from spanscope.patching.hooks import Activation
from spanscope.tracing.live_span import LiveSpan, NoOpSpan

__all__ = [
    "Run",
    "inputs_of",
    "is_stream",
    "outputs_of",
    "returns_future",
    "span_name",
    "span_type",
]

_CHAT = frozenset({"chat", "achat", "stream_chat", "astream_chat"})
_COMPLETE = frozenset({"complete", "acomplete", "stream_complete", "astream_complete"})
_STREAM_TYPES = frozenset(
    {"StreamingResponse", "AsyncStreamingResponse", "StreamingAgentChatResponse"}
)
# Workflow runtime objects passed to runs and steps: the run's state, the step's context.
_RUNTIME_ARGS = ("ctx", "init_state", "tags")
_UUID_SUFFIX = 37  # "-" + str(uuid4()): LlamaIndex span ids are "<Class.method>-<uuid4>"


@dataclass(slots=True, eq=False)
class Run:
    """One LlamaIndex span being traced."""

    key: str  # LlamaIndex's span id
    span: LiveSpan | NoOpSpan
    parent: Run | None
    instance: Any
    activation: Activation | None = None
    awaiting_llm_end: bool = False  # an LLM start event came, its end event not yet
    exited: bool = False  # LlamaIndex exited (or dropped) the span
    ended: bool = False
    open_children: int = 0  # children (and relayed streams) that have not ended yet
    outputs: Any = None
    returned_stream: bool = False  # its result was a stream: its outputs are what it streamed
    streamed: Any = None  # the text its stream (or its children's streams) produced
    chunks: int = 0
    finalizer: weakref.finalize[Any, Any] | None = None  # ends a stream dropped unread


def span_name(span_id: str) -> str:
    """`"MockLLM.chat-<uuid4>"` -> `"MockLLM.chat"`."""
    if len(span_id) > _UUID_SUFFIX and span_id[-_UUID_SUFFIX] == "-":
        return span_id[:-_UUID_SUFFIX]
    return span_id


def span_type(instance: Any, method: str) -> str:
    """The span type of `method` called on `instance` (None for workflow steps)."""
    if instance is None:
        return SpanType.CHAIN  # workflow steps and plain functions
    return _classify(instance.__class__, method)


@functools.lru_cache(maxsize=1024)  # the MRO walk, once per class and method
def _classify(cls: type, method: str) -> str:
    bases = {c.__name__ for c in cls.__mro__}
    if "BaseLLM" in bases:
        if method in _CHAT:
            return SpanType.CHAT_MODEL
        return SpanType.LLM if method in _COMPLETE else SpanType.CHAIN  # predict, stream...
    if "BaseEmbedding" in bases:
        return SpanType.EMBEDDING
    if "BaseRetriever" in bases:
        return SpanType.RETRIEVER
    if "BaseTool" in bases:
        return SpanType.TOOL
    if bases & {"BaseWorkflowAgent", "AgentWorkflow"}:
        return SpanType.AGENT
    if "Workflow" in bases:
        return SpanType.WORKFLOW
    if "BaseNodePostprocessor" in bases and any("rerank" in b.lower() for b in bases):
        return SpanType.RERANKER
    if "BaseOutputParser" in bases:
        return SpanType.PARSER
    return SpanType.CHAIN


def returns_future(instance: Any, method: str) -> bool:
    """Where `Workflow.run` itself is the span (older LlamaIndex), it returns a handler (a
    future) and ends in the future's done callback, in another context: made current, its
    span would stay current in the caller's context. (Its steps find it by parent id.)"""
    return method == "run" and span_type(instance, method) in (SpanType.AGENT, SpanType.WORKFLOW)


def inputs_of(bound_args: inspect.BoundArguments, method: str) -> dict[str, Any]:
    """The call's arguments without `self`, `**kwargs` merged in, LlamaIndex objects simplified."""
    arguments = dict(bound_args.arguments)
    arguments.pop("self", None)
    extra = arguments.pop("kwargs", None)
    if isinstance(extra, dict):
        arguments.update(extra)
    positional = arguments.pop("args", None)
    if positional:
        if method in _COMPLETE and len(positional) == 1:
            arguments = {"prompt": positional[0], **arguments}  # complete(*args, **kwargs)
        else:
            arguments["args"] = positional
    for name in _RUNTIME_ARGS:
        if not isinstance(arguments.get(name, ""), str):
            del arguments[name]
    return {name: _simplify(value) for name, value in arguments.items()}


def _simplify(value: Any) -> Any:
    query = getattr(value, "query_str", None)
    if isinstance(query, str):  # a QueryBundle: its embedding would only add noise
        return query
    get_template = getattr(value, "get_template", None)
    if callable(get_template):  # a prompt template: its text, not its repr
        return get_template()
    if _messages.is_node_list(value):
        return _messages.documents(value)
    if isinstance(value, list) and value and all(hasattr(m, "blocks") for m in value):
        return _messages.chat_messages(value)  # ChatMessages
    return value


def is_stream(value: Any) -> bool:
    """A generator or a LlamaIndex streaming response: recorded when it has been consumed."""
    if isinstance(value, (Iterator, AsyncIterator)):
        return True
    return type(value).__name__ in _STREAM_TYPES


def outputs_of(run_type: str, result: Any) -> Any:
    """What a span records as its outputs for the call's result."""
    if result is None or is_stream(result):
        return None
    if _messages.is_node_list(result):
        return _messages.documents(result)
    if run_type == SpanType.EMBEDDING:
        return _messages.embedding_summary(result) or result
    message = getattr(result, "message", None)
    if message is not None and hasattr(result, "delta"):  # ChatResponse
        messages = _messages.chat_messages([message])
        return messages[0] if messages else None
    if type(result).__name__ == "CompletionResponse":
        return result.text
    response = getattr(result, "response", None)
    if isinstance(response, str) and hasattr(result, "source_nodes"):
        return response  # Response, AgentChatResponse
    if type(result).__name__ == "ToolOutput":
        return result.content
    return result
