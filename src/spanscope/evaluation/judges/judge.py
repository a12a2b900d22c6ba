"""LLM judges: a scorer that asks a model for a verdict on one row.

    correct = make_judge(
        "correct",
        "Does {{ outputs }} answer {{ inputs }} as {{ expectations }} does?",
        model="openai:/gpt-4o-mini",
    )

Each verdict is a JSON object {"result": ..., "rationale": ...}; a reply that holds none is
answered with a correction, up to `max_retries` times. Every judgement is a trace of its own:
an EVALUATOR span named after the judge, with one LLM span per model call. Whatever fails
becomes a Feedback with an error: a judge never raises from `score()` or a call.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from spanscope.constants import AssessmentMetadataKey, TraceMetadataKey
from spanscope.entities.assessment import AssessmentError, Feedback
from spanscope.entities.span_type import SpanType
from spanscope.entities.trace import Trace
from spanscope.evaluation.judges import prompts
from spanscope.evaluation.judges.errors import JudgeFailure
from spanscope.evaluation.judges.model import ChatModel, parse_model_uri
from spanscope.evaluation.judges.verdict import MalformedVerdict, ResultType, parse_verdict
from spanscope.evaluation.scorer import Scorer
from spanscope.exceptions import InvalidArgumentError
from spanscope.tracing.client import TracingClient
from spanscope.tracing.context import use_span
from spanscope.tracing.live_span import LiveSpan

__all__ = ["Judge", "make_judge"]

DEFAULT_MAX_RETRIES = 2


class Judge(Scorer):
    """A Scorer of kind LLM_JUDGE: `judge(inputs=..., outputs=...)` returns one Feedback."""

    def __init__(
        self,
        name: str,
        instructions: str,
        model: str,
        *,
        feedback_type: Any = bool,
        base_url: str | None = None,
        api_key: str | None = None,
        max_retries: int = DEFAULT_MAX_RETRIES,
        timeout: float = 60.0,
        renderers: Mapping[str, prompts.Renderer] | None = None,
    ) -> None:
        """`renderers` replace how a variable is written into the prompt (built-in judges)."""
        if not isinstance(name, str) or not name.strip():
            raise InvalidArgumentError(f"a judge needs a non-empty name, got {name!r}")
        if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
            raise InvalidArgumentError(f"max_retries is an integer >= 0, got {max_retries!r}")
        self._template = prompts.Template(instructions)
        self._result_type = ResultType.of(feedback_type)
        uri = parse_model_uri(model)
        self._chat = ChatModel(
            uri, base_url=base_url, api_key=api_key, max_retries=max_retries, timeout=timeout
        )
        self._max_retries = max_retries
        self._renderers = dict(renderers or {})
        super().__init__(
            self._judge,
            name=name,
            kind="LLM_JUDGE",
            model=str(uri),
            parameters=self._template.variables,
        )
        self.__doc__ = f"LLM judge {name!r} ({uri})."

    @property
    def instructions(self) -> str:
        return self._template.text

    def __call__(
        self,
        *,
        inputs: Any = None,
        outputs: Any = None,
        expectations: Any = None,
        trace: Trace | None = None,
    ) -> Feedback:
        """The judge's feedback on one row (an error feedback if it reached no verdict)."""
        return self._judge(inputs=inputs, outputs=outputs, expectations=expectations, trace=trace)

    def _judge(
        self,
        *,
        inputs: Any = None,
        outputs: Any = None,
        expectations: Any = None,
        trace: Trace | None = None,
    ) -> Feedback:
        row = {"inputs": inputs, "outputs": outputs, "expectations": expectations, "trace": trace}
        judged_trace = trace.trace_id if isinstance(trace, Trace) else ""
        root = TracingClient().start_trace(
            self.name,
            SpanType.EVALUATOR,
            inputs=self._span_inputs(row),
            metadata={TraceMetadataKey.JUDGED_TRACE_ID: judged_trace} if judged_trace else None,
        )
        metadata = {AssessmentMetadataKey.JUDGE_MODEL: str(self.model)}
        if isinstance(root, LiveSpan):
            metadata[AssessmentMetadataKey.JUDGE_TRACE_ID] = root.trace_id
        try:
            with use_span(root):
                value, rationale = self._verdict(row)
        except Exception as exc:
            root.record_exception(exc)
            root.end()
            if isinstance(exc, JudgeFailure):
                error = AssessmentError(exc.error_code, str(exc))
            else:
                error = AssessmentError.from_exception(exc)
            return Feedback(
                trace_id=judged_trace,
                name=self.name,
                source=self.source,
                error=error,
                metadata=metadata,
            )
        root.end(outputs={"result": value, "rationale": rationale})
        return Feedback(
            trace_id=judged_trace,
            name=self.name,
            value=value,
            rationale=rationale,
            source=self.source,
            metadata=metadata,
        )

    def _verdict(self, row: Mapping[str, Any]) -> tuple[bool | int | float | str, str | None]:
        kind = self._result_type
        prompt = self._template.fill(row, self._renderers) + prompts.reminder(kind)
        system = prompts.system_prompt(kind)
        messages = [{"role": "user", "content": prompt}]
        for attempt in range(self._max_retries + 1):
            reply = self._chat.complete(system, messages)
            try:
                verdict = parse_verdict(reply.text, kind)
            except MalformedVerdict as exc:
                if attempt == self._max_retries:
                    raise JudgeFailure(
                        "MALFORMED_VERDICT",
                        f"no usable verdict in {attempt + 1} repl{'y' if attempt == 0 else 'ies'}"
                        f"; the last: {exc}",
                    ) from exc
                messages += [
                    {"role": "assistant", "content": reply.text},
                    {"role": "user", "content": prompts.correction(str(exc), kind)},
                ]
                continue
            return verdict.result, verdict.rationale
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises

    def _span_inputs(self, row: Mapping[str, Any]) -> dict[str, Any]:
        """What the judge was given; a trace by its id (the whole trace would double it)."""
        shown = {name: row[name] for name in self.parameters}
        if isinstance(shown.get("trace"), Trace):
            shown["trace"] = shown["trace"].trace_id
        return shown

    def __repr__(self) -> str:
        return f"<Judge {self.name!r} {self.model}>"


def make_judge(
    name: str,
    instructions: str,
    model: str,
    *,
    feedback_type: Any = bool,
    base_url: str | None = None,
    api_key: str | None = None,
    max_retries: int = DEFAULT_MAX_RETRIES,
    timeout: float = 60.0,
) -> Judge:
    """An LLM judge: a scorer whose verdict a model gives, following `instructions`.

    Args:
        name: the feedback's name (and the judge trace's).
        instructions: what to judge, naming at least one of `{{ inputs }}`, `{{ outputs }}`,
            `{{ expectations }}`, `{{ trace }}` (each is filled in from the row; the judge is
            given only those it names).
        model: `openai:/gpt-4o-mini`, `anthropic:/claude-...`, `ollama:/llama3.2`, or
            `openai:/<model>` with `base_url` for any OpenAI-compatible endpoint. Without
            `base_url` / `api_key`, OPENAI_BASE_URL / OPENAI_API_KEY, ANTHROPIC_BASE_URL /
            ANTHROPIC_API_KEY or OLLAMA_HOST are read at each call.
        feedback_type: the result's type: bool (default), int, float, str, or `Literal[...]`.
        max_retries: how many times a malformed reply is answered with a correction, and a
            rate limit or server error retried.
        timeout: seconds per HTTP request.
    """
    return Judge(
        name,
        instructions,
        model,
        feedback_type=feedback_type,
        base_url=base_url,
        api_key=api_key,
        max_retries=max_retries,
        timeout=timeout,
    )
