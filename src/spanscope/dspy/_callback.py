"""The DSPy callback: one span per module, LM, adapter, tool and evaluation call.

DSPy gives callbacks a call id but no parent id. Its `with_callbacks` wrapper runs the start
handlers before it sets `ACTIVE_CALL_ID` to the new call, so inside `on_*_start` that variable
still holds the parent's call id: spans are linked through it, in threads (DSPy binds it for
its workers), tasks and streams alike. A call with no traced parent nests under the current
spanscope span. Each span is current while its call runs, so the provider SDK or litellm
calls an LM makes nest under the LM span.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from dspy.utils.callback import ACTIVE_CALL_ID, BaseCallback

from spanscope.constants import SpanAttributeKey as K
from spanscope.dspy import _messages
from spanscope.entities.span_type import SpanType
from spanscope.patching import Activation, guarded, parent_for, register
from spanscope.safety import log_internal_error
from spanscope.tracing.live_span import LiveSpan, NoOpSpan
from spanscope.tracing.llm import LLMCall
from spanscope.tracing.processor import encode_attributes, start_span
from spanscope.tracing.state import STATE

__all__ = ["KIND", "SIGNATURE", "SpanscopeCallback", "install"]

KIND = "dspy autolog"  # internal errors are logged under this kind
SIGNATURE = "dspy.signature"
_AGENTS = frozenset({"ReAct", "CodeAct"})


@dataclass(slots=True, eq=False)
class _Run:
    span: LiveSpan | NoOpSpan
    activation: Activation
    kind: str
    lm: Any = None  # the LM instance, and what it was called with, to find its usage
    messages: Any = None
    prompt: Any = None


Outputs = Callable[[_Run], Any]


# DSPy logs a callback's exception as its own warning and goes on: every handler reports its
# errors itself, as spanscope's (an end handler's too: ending the span can fail).
_guarded = guarded(KIND)


class SpanscopeCallback(BaseCallback):  # type: ignore[misc]  # dspy ships no type hints
    """Records DSPy calls as spanscope spans; added to `dspy.settings.callbacks` by autolog."""

    def __init__(self) -> None:
        self._runs: dict[str, _Run] = {}
        self._lock = threading.Lock()

    # Modules: CHAIN, AGENT for ReAct-style agents, RETRIEVER for dspy.Retrieve.
    @_guarded
    def on_module_start(self, call_id: str, instance: Any, inputs: dict[str, Any]) -> None:
        bases = {c.__name__ for c in type(instance).__mro__}
        kind = SpanType.CHAIN
        if bases & _AGENTS:
            kind = SpanType.AGENT
        elif "Retrieve" in bases:
            kind = SpanType.RETRIEVER
        signature = _messages.plain(getattr(instance, "signature", None))
        attributes = {SIGNATURE: signature} if isinstance(signature, str) else None
        arguments = _messages.call_inputs(inputs)
        if kind == SpanType.RETRIEVER and len(arguments.get("args") or ()) == 1:
            arguments = {"query": arguments.pop("args")[0], **arguments}  # Retrieve(query)
        self._open(call_id, type(instance).__name__, kind, arguments, attributes)

    @_guarded
    def on_module_end(self, call_id: str, outputs: Any, exception: Exception | None = None) -> None:
        def result(run: _Run) -> Any:
            docs = _messages.passages(outputs) if run.kind == SpanType.RETRIEVER else None
            return docs if docs is not None else _messages.plain(outputs)

        self._end(call_id, exception, result)

    # LMs: CHAT_MODEL (LLM for text-completion models) with the chat in the GenAI form.
    @_guarded
    def on_lm_start(self, call_id: str, instance: Any, inputs: dict[str, Any]) -> None:
        model, provider = _messages.model_and_provider(getattr(instance, "model", None))
        text_model = getattr(instance, "model_type", "chat") == "text"
        attributes: dict[str, Any] = {
            K.GEN_AI_PROVIDER: provider,
            K.GEN_AI_OPERATION: "text_completion" if text_model else "chat",
        }
        if model:
            attributes[K.GEN_AI_REQUEST_MODEL] = model
        kwargs = inputs.get("kwargs")
        kwargs = kwargs if isinstance(kwargs, Mapping) else {}
        call_inputs = {k: v for k, v in inputs.items() if k != "kwargs" and v is not None}
        kind = SpanType.LLM if text_model else SpanType.CHAT_MODEL
        name = type(instance).__name__
        run = self._open(call_id, name, kind, {**call_inputs, **kwargs}, attributes)
        if run is None or not isinstance(run.span, LiveSpan):
            return
        run.lm, run.messages, run.prompt = instance, inputs.get("messages"), inputs.get("prompt")
        call = LLMCall(run.span)
        call.set_input_messages(_messages.input_messages(inputs))
        call.set_tools(kwargs.get("tools"))

    @_guarded
    def on_lm_end(self, call_id: str, outputs: Any, exception: Exception | None = None) -> None:
        def result(run: _Run) -> Any:
            if not isinstance(run.span, LiveSpan):
                return outputs
            call = LLMCall(run.span)
            history = getattr(run.lm, "history", None)
            entry = _messages.find_history_entry(history, run.messages, run.prompt)
            reasons = _messages.finish_reasons(entry) if entry is not None else None
            call.set_output_messages(_messages.output_messages(outputs), reasons)
            if entry is not None:
                call.set_usage(_messages.usage_of(entry))
                model = entry.get("response_model")
                call.set_response(model if isinstance(model, str) else None)
            return outputs

        self._end(call_id, exception, result)

    # Adapters: PARSER, for both formatting the prompt and parsing the reply.
    @_guarded
    def on_adapter_format_start(self, call_id: str, instance: Any, inputs: dict[str, Any]) -> None:
        name = f"{type(instance).__name__}.format"
        self._open(call_id, name, SpanType.PARSER, _messages.call_inputs(inputs))

    @_guarded
    def on_adapter_format_end(
        self, call_id: str, outputs: Any, exception: Exception | None = None
    ) -> None:
        self._end(call_id, exception, lambda run: outputs)

    @_guarded
    def on_adapter_parse_start(self, call_id: str, instance: Any, inputs: dict[str, Any]) -> None:
        name = f"{type(instance).__name__}.parse"
        self._open(call_id, name, SpanType.PARSER, _messages.call_inputs(inputs))

    @_guarded
    def on_adapter_parse_end(
        self, call_id: str, outputs: Any, exception: Exception | None = None
    ) -> None:
        self._end(call_id, exception, lambda run: outputs)

    # Tools: TOOL, named by the tool.
    @_guarded
    def on_tool_start(self, call_id: str, instance: Any, inputs: dict[str, Any]) -> None:
        name = str(getattr(instance, "name", None) or type(instance).__name__)
        attributes = {K.GEN_AI_TOOL_NAME: name}
        self._open(call_id, name, SpanType.TOOL, _messages.call_inputs(inputs), attributes)

    @_guarded
    def on_tool_end(self, call_id: str, outputs: Any, exception: Exception | None = None) -> None:
        self._end(call_id, exception, lambda run: outputs)

    # Evaluation: EVALUATOR, with the program's calls on each example below it.
    @_guarded
    def on_evaluate_start(self, call_id: str, instance: Any, inputs: dict[str, Any]) -> None:
        self._open(call_id, "Evaluate", SpanType.EVALUATOR, _evaluate_inputs(instance, inputs))

    @_guarded
    def on_evaluate_end(
        self, call_id: str, outputs: Any, exception: Exception | None = None
    ) -> None:
        def result(run: _Run) -> Any:
            score = getattr(outputs, "score", None)
            return {"score": score} if score is not None else outputs

        self._end(call_id, exception, result)

    # ------------------------------------------------------------------ plumbing
    def _open(
        self,
        call_id: str,
        name: str,
        kind: str,
        inputs: Any,
        attributes: Mapping[str, Any] | None = None,
    ) -> _Run | None:
        if not STATE.enabled:
            return None
        parent_run = self._runs.get(ACTIVE_CALL_ID.get() or "")
        parent = parent_for(parent_run.span if parent_run is not None else None)
        span = start_span(name, encode_attributes(kind, attributes), parent)
        span.set_inputs(inputs)
        run = _Run(span, Activation(span), kind)
        with self._lock:
            self._runs[call_id] = run
        return run

    def _end(self, call_id: str, exception: BaseException | None, outputs: Outputs) -> None:
        """End the call's span whatever happens: an error of ours is reported afterwards, so
        the span never stays open nor current."""
        with self._lock:
            run = self._runs.pop(call_id, None)
        if run is None:
            return
        run.activation.close()
        error: Exception | None = None
        result = None
        if exception is None:
            try:
                result = outputs(run)
            except Exception as exc:
                error = exc
        else:
            run.span.record_exception(exception)
        run.span.end(outputs=result)
        if error is not None:
            log_internal_error(KIND, error)


def _evaluate_inputs(instance: Any, inputs: Mapping[str, Any]) -> dict[str, Any]:
    """The program, the metric and the size of the dev set: not the examples themselves,
    whose calls are traced one by one below the evaluation."""
    program = inputs.get("program")
    metric = inputs.get("metric") or getattr(instance, "metric", None)
    devset = inputs.get("devset") or getattr(instance, "devset", None)
    return {
        "program": type(program).__name__ if program is not None else None,
        "metric": getattr(metric, "__name__", None) or repr(metric),
        "devset_size": len(devset) if devset is not None else None,
    }


def install() -> None:
    """Add the callback to DSPy's global callbacks, beside the user's own."""
    callback = SpanscopeCallback()

    def add() -> None:
        _set_global_callbacks([*_global_callbacks(), callback])

    def remove() -> None:
        _set_global_callbacks([c for c in _global_callbacks() if c is not callback])

    register("dspy", add, remove)


def _global_callbacks() -> list[Any]:
    return list(_settings_module().main_thread_config.get("callbacks") or [])


def _set_global_callbacks(callbacks: list[Any]) -> None:
    # The process-wide config, written under DSPy's own lock. `dspy.configure()` would do the
    # same but also make the calling thread (and asyncio task) the only one allowed to
    # configure DSPy afterwards: autolog must not take that from the application.
    settings = _settings_module()
    with settings.global_lock:
        settings.main_thread_config["callbacks"] = callbacks


def _settings_module() -> Any:
    # The module, not the `dspy.settings` object that `dspy.dsp.utils` exports under its name.
    return importlib.import_module("dspy.dsp.utils.settings")
