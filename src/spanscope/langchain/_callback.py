"""The LangChain callback handler: one span per run, linked by LangChain's own run ids.

Chains are CHAIN (output parsers PARSER, agents AGENT), chat models CHAT_MODEL, text LLMs LLM,
tools TOOL, retrievers RETRIEVER. A LangGraph graph is a CHAIN, or an AGENT when it ran both a
model and a tool; each node is a span named by the node: a CHAIN, or a TOOL when it only ran
tools (a ToolNode). A run with no parent run nests under the current spanscope span.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar
from uuid import UUID

from langchain_core.agents import AgentAction, AgentFinish
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.documents import Document
from langchain_core.messages import BaseMessage
from langchain_core.outputs import LLMResult

from spanscope.constants import SpanAttributeKey as K
from spanscope.entities.span_event import SpanEvent
from spanscope.entities.span_type import SpanType
from spanscope.langchain import _messages, _switch
from spanscope.langchain._classify import (
    GRAPH_STEP,
    HIDDEN_TAG,
    INVOCATION_PARAMS,
    context_attributes,
    graph_role,
    run_name,
)
from spanscope.langchain._runs import MODEL, OTHER, TOOL, Run, RunRegistry
from spanscope.patching import guarded
from spanscope.safety import is_strict
from spanscope.tracing.live_span import LiveSpan
from spanscope.tracing.llm import LLMCall
from spanscope.tracing.processor import encode_attributes, start_span
from spanscope.tracing.streaming import CHUNK_EVENT, MAX_CHUNK_EVENTS

__all__ = ["SpanscopeCallbackHandler"]

F = TypeVar("F", bound=Callable[..., None])
KIND = "langchain autolog"  # internal errors are logged under this kind
# What a model's start callback says: span type, serialized, tags, metadata, other kwargs.
_ModelStart = tuple[
    str, Mapping[str, Any] | None, list[str] | None, Mapping[str, Any] | None, dict[str, Any]
]


# Tracing never breaks the run: an error in a callback is logged (raised under strict mode).
_guarded = guarded(KIND)


class SpanscopeCallbackHandler(BaseCallbackHandler):
    """Records LangChain runs as spanscope spans while `_switch.is_active()`."""

    # Async runs call a sync handler in a worker thread unless it runs inline: inline keeps
    # the events in order and lets the start callback make the run's span current.
    run_inline = True

    def __init__(self) -> None:
        self.runs = RunRegistry()

    @property
    def raise_error(self) -> bool:
        # LangChain swallows handler errors; strict mode (the test suite) wants to see them.
        return is_strict()

    @raise_error.setter
    def raise_error(self, value: bool) -> None:
        pass

    def _idle(self) -> bool:
        # Off, and nothing in flight that still has to end: LangChain can skip calling us.
        return not self.runs and not _switch.is_active()

    # LangChain checks these before each call (ignore_agent covers tools).
    ignore_llm = ignore_chat_model = ignore_chain = ignore_agent = property(_idle)
    ignore_retriever = ignore_retry = ignore_custom_event = property(_idle)

    # -- starts -------------------------------------------------------------------------

    @_guarded
    def on_chain_start(
        self,
        serialized: dict[str, Any] | None,
        inputs: Any,
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        if tags and HIDDEN_TAG in tags:
            return  # children fall back to the current span: this run's parent's
        metadata = metadata or {}
        name = run_name(serialized, kwargs, "chain")
        role = graph_role(name, metadata)
        span_type = SpanType.PARSER if kwargs.get("run_type") == "parser" else SpanType.CHAIN
        attributes = context_attributes(tags, metadata)
        if role == "node" and "langgraph_step" in metadata:
            attributes[GRAPH_STEP] = metadata["langgraph_step"]
        self._start(
            run_id,
            parent_run_id,
            name,
            span_type,
            _messages.to_plain(inputs),
            attributes,
            OTHER,
            role,
        )

    @_guarded
    def on_chat_model_start(
        self,
        serialized: dict[str, Any],
        messages: list[list[BaseMessage]],
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        conversation = [_messages.message_to_dict(m) for m in (messages[0] if messages else [])]
        start = (SpanType.CHAT_MODEL, serialized, tags, metadata, kwargs)
        call = self._start_model(start, conversation, run_id, parent_run_id)
        if call is not None:
            system, rest = _messages.split_system(conversation)
            call.set_input_messages(rest, system=system or None)

    @_guarded
    def on_llm_start(
        self,
        serialized: dict[str, Any],
        prompts: list[str],
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        # LangChain starts one run per prompt.
        prompt = prompts[0] if len(prompts) == 1 else prompts
        start = (SpanType.LLM, serialized, tags, metadata, kwargs)
        call = self._start_model(start, prompt, run_id, parent_run_id)
        if call is not None:
            call.set_input_messages([{"role": "user", "content": p} for p in prompts])

    @_guarded
    def on_tool_start(
        self,
        serialized: dict[str, Any] | None,
        input_str: str,
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        inputs: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        name = run_name(serialized, kwargs, "tool")
        attributes = context_attributes(tags, metadata or {})
        value = _messages.to_plain(inputs) if inputs is not None else input_str
        self._start(run_id, parent_run_id, name, SpanType.TOOL, value, attributes, TOOL)

    @_guarded
    def on_retriever_start(
        self,
        serialized: dict[str, Any] | None,
        query: str,
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        name = run_name(serialized, kwargs, "retriever")
        attributes = context_attributes(tags, metadata or {})
        self._start(
            run_id, parent_run_id, name, SpanType.RETRIEVER, {"query": query}, attributes, OTHER
        )

    # -- ends -----------------------------------------------------------------------------

    @_guarded
    def on_chain_end(self, outputs: Any, *, run_id: UUID, **kwargs: Any) -> None:
        self._close(run_id, lambda run: _chain_outputs(run, outputs, kwargs))

    @_guarded
    def on_chain_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        self._close(run_id, lambda run: _chain_outputs(run, None, kwargs), error)

    @_guarded
    def on_llm_end(self, response: LLMResult, *, run_id: UUID, **kwargs: Any) -> None:
        self._close(run_id, lambda run: _record_result(run, response))

    @_guarded
    def on_llm_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        # What a stream produced before it failed; a failed call without one records no
        # output messages.
        partial = _messages.partial_reply(kwargs.get("response"))
        if partial is not None:
            self._close(run_id, lambda run: _record_result(run, partial), error)
        else:
            self._close(run_id, lambda run: None, error)

    @_guarded
    def on_tool_end(self, output: Any, *, run_id: UUID, **kwargs: Any) -> None:
        self._close(run_id, lambda run: _messages.to_plain(output))

    @_guarded
    def on_tool_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        self._close(run_id, lambda run: None, error)

    @_guarded
    def on_retriever_end(
        self, documents: Sequence[Document], *, run_id: UUID, **kwargs: Any
    ) -> None:
        self._close(run_id, lambda run: [_messages.document_to_dict(d) for d in documents])

    @_guarded
    def on_retriever_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        self._close(run_id, lambda run: None, error)

    # -- within a run -----------------------------------------------------------------------

    @_guarded
    def on_llm_new_token(
        self, token: Any, *, chunk: Any = None, run_id: UUID, **kwargs: Any
    ) -> None:
        run = self.runs.get(run_id)
        if run is None:
            return
        # The provider call is under way (its span already has its parent); from here on the
        # caller's own loop runs between tokens, and must not nest under this span.
        run.deactivate()
        span = run.span
        if isinstance(span, LiveSpan):
            now = time.time_ns()
            if run.chunks == 0:
                span.set_attribute(K.TIME_TO_FIRST_TOKEN_NS, now - span.start_time_ns)
            if run.chunks < MAX_CHUNK_EVENTS:
                event = SpanEvent(CHUNK_EVENT, now, {"index": run.chunks, "value": token})
                span.add_event(event)
        run.chunks += 1

    @_guarded
    def on_agent_action(self, action: AgentAction, *, run_id: UUID, **kwargs: Any) -> None:
        run = self.runs.get(run_id)
        if run is not None:
            run.span.set_span_type(SpanType.AGENT)
            attributes = {"tool": action.tool, "tool_input": action.tool_input, "log": action.log}
            run.span.add_event(SpanEvent("agent_action", attributes=attributes))

    @_guarded
    def on_agent_finish(self, finish: AgentFinish, *, run_id: UUID, **kwargs: Any) -> None:
        run = self.runs.get(run_id)
        if run is not None:
            run.span.set_span_type(SpanType.AGENT)
            attributes = {"return_values": finish.return_values, "log": finish.log}
            run.span.add_event(SpanEvent("agent_finish", attributes=attributes))

    @_guarded
    def on_retry(self, retry_state: Any, *, run_id: UUID, **kwargs: Any) -> None:
        run = self.runs.get(run_id)
        if run is not None:
            attempt = getattr(retry_state, "attempt_number", None)
            run.span.add_event(SpanEvent("retry", attributes={"attempt": attempt}))

    @_guarded
    def on_custom_event(self, name: str, data: Any, *, run_id: UUID, **kwargs: Any) -> None:
        run = self.runs.get(run_id)  # the run that dispatched the event
        if run is not None:
            data = _messages.to_plain(data)
            run.span.add_event(SpanEvent(str(name), attributes={"data": data}))

    # -- plumbing ---------------------------------------------------------------------------

    def _start(
        self,
        run_id: UUID,
        parent_run_id: UUID | None,
        name: str,
        span_type: str,
        inputs: Any,
        attributes: dict[str, Any],
        kind: int,
        role: str = "",
        current: bool = True,
    ) -> Run | None:
        if not _switch.is_active():
            return None
        parent_run, parent = self.runs.parent_of(parent_run_id)
        span = start_span(name, encode_attributes(span_type, attributes), parent)
        if inputs is not None:
            span.set_inputs(inputs)
        run = Run(span, kind, parent_run, role)
        self.runs.add(run_id, run, activate=current)
        return run

    def _start_model(
        self, start: _ModelStart, inputs: Any, run_id: UUID, parent_run_id: UUID | None
    ) -> LLMCall | None:
        span_type, serialized, tags, metadata, kwargs = start
        operation = "chat" if span_type == SpanType.CHAT_MODEL else "text_completion"
        metadata = metadata or {}
        params = dict(kwargs.get("invocation_params") or {})
        attributes = context_attributes(tags, metadata)
        attributes[K.GEN_AI_PROVIDER] = str(metadata.get("ls_provider") or "langchain")
        attributes[K.GEN_AI_OPERATION] = operation
        requested = _messages.request_model(metadata, params)
        if requested:
            attributes[K.GEN_AI_REQUEST_MODEL] = requested
        tools = params.pop("tools", None)
        if params:
            attributes[INVOCATION_PARAMS] = params
        # One callback starts the runs of several prompts (generate([...])) before any of them
        # calls the provider: none of them can be "the" current span, so none is made current.
        current = int(kwargs.get("batch_size") or 1) <= 1
        name = run_name(serialized, kwargs, "llm")
        run = self._start(
            run_id, parent_run_id, name, span_type, inputs, attributes, MODEL, current=current
        )
        if run is None or not isinstance(run.span, LiveSpan):
            return None
        call = LLMCall(run.span)
        call.set_tools(tools)
        return call

    def _close(
        self, run_id: UUID, outputs_of: Callable[[Run], Any], error: BaseException | None = None
    ) -> None:
        """End the span of `run_id` with what `outputs_of` records, even if that fails."""
        run = self.runs.pop(run_id)
        if run is None:
            return
        outputs = None
        try:
            outputs = outputs_of(run)
        finally:
            self.runs.finish(run, outputs, error)


def _chain_outputs(run: Run, outputs: Any, kwargs: Mapping[str, Any]) -> Any:
    if "inputs" in kwargs:  # streamed input: only known once the run has read it all
        run.span.set_inputs(_messages.to_plain(kwargs["inputs"]))
    return _messages.to_plain(outputs)


def _record_result(run: Run, response: LLMResult) -> Any:
    """Sets the reply, usage and response model on a model span; returns its outputs."""
    messages = _messages.output_messages(response)
    if isinstance(run.span, LiveSpan):
        call = LLMCall(run.span)
        call.set_output_messages(messages, _messages.finish_reasons(response))
        call.set_usage(_messages.usage(response))
        call.set_response(*_messages.response_model_and_id(response))
    return messages[0] if len(messages) == 1 else messages
