"""Scorers: functions that judge one row of an evaluation (its inputs, outputs, expectations
and trace) and say so with feedback.

    @spanscope.scorer
    def is_short(outputs: str) -> bool:
        return len(outputs) < 200

A scorer's function takes any of `inputs`, `outputs`, `expectations` and `trace` (by those
names) and returns a bool, a number, a string, a `Feedback`, a list of feedback, or None (no
score). Calling the scorer calls the function as written, so it can be unit-tested;
`Scorer.score` is what an evaluation calls: it passes only the parameters the function
declares and turns whatever happens, a failure included, into a list of `Feedback`.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import inspect
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from typing import Any, Literal, TypeVar, overload

from spanscope.entities.assessment import (
    Assessment,
    AssessmentError,
    AssessmentSource,
    AssessmentSourceType,
    Feedback,
)
from spanscope.entities.evaluation_run import ScorerSpec
from spanscope.entities.trace import Trace
from spanscope.exceptions import InvalidArgumentError

__all__ = ["PARAMETERS", "Scorer", "ScorerKind", "scorer"]

ScorerKind = Literal["CODE", "LLM_JUDGE"]
# What a scorer's function may ask for, by name.
PARAMETERS = ("inputs", "outputs", "expectations", "trace")

F = TypeVar("F", bound=Callable[..., Any])
# A syntactically valid trace id for checking a feedback before the trace is known.
_PLACEHOLDER_TRACE_ID = "0" * 32


class Scorer:
    """A named scoring function: `score()` runs it on one row and never raises.

    `kind` is "CODE" for a plain function, "LLM_JUDGE" for a judge (which also names its
    `model`). The feedback it makes has the source (kind, name).
    """

    def __init__(
        self,
        func: Callable[..., Any],
        *,
        name: str | None = None,
        kind: ScorerKind = "CODE",
        model: str | None = None,
        parameters: Sequence[str] | None = None,
    ) -> None:
        """`parameters` are the names `score()` passes; by default those `func` declares."""
        if not callable(func):
            raise InvalidArgumentError(f"a scorer wraps a function, got {type(func).__name__}")
        chosen = name if name is not None else getattr(func, "__name__", None)
        if not isinstance(chosen, str) or not chosen.strip() or chosen == "<lambda>":
            raise InvalidArgumentError(
                f"a scorer needs a name: give name=... (got {chosen!r} from the function)"
            )
        if kind not in ("CODE", "LLM_JUDGE"):
            raise InvalidArgumentError(f"a scorer's kind is CODE or LLM_JUDGE, got {kind!r}")
        self.name = chosen
        self.kind: ScorerKind = kind
        self.model = model
        self._func = func
        self._parameters = (
            _declared_parameters(func, chosen) if parameters is None else tuple(parameters)
        )
        self.__doc__ = getattr(func, "__doc__", None)
        self.__wrapped__ = func

    @property
    def parameters(self) -> tuple[str, ...]:
        """The row fields the function receives, among inputs, outputs, expectations, trace."""
        return self._parameters

    @property
    def source(self) -> AssessmentSource:
        return AssessmentSource(AssessmentSourceType(self.kind), self.name)

    def spec(self) -> ScorerSpec:
        """How an evaluation run records this scorer."""
        return ScorerSpec(self.name, self.kind, self.model)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """The function itself, as written (for unit tests of a scorer)."""
        return self._func(*args, **kwargs)

    def score(
        self,
        *,
        inputs: Any = None,
        outputs: Any = None,
        expectations: Any = None,
        trace: Trace | None = None,
    ) -> list[Feedback]:
        """The feedback on one row (empty when the function returned None).

        Never raises: an exception, or a return value that is not a score, becomes one
        feedback with that `error` and no value. An async function is run to completion.
        """
        row = {"inputs": inputs, "outputs": outputs, "expectations": expectations, "trace": trace}
        try:
            result = self._func(**{p: row[p] for p in self._parameters})
            if inspect.isawaitable(result):
                result = _run_to_completion(result)
        except Exception as exc:
            return [self._error(exc, trace)]
        return self._feedback(result, trace)

    async def ascore(
        self,
        *,
        inputs: Any = None,
        outputs: Any = None,
        expectations: Any = None,
        trace: Trace | None = None,
    ) -> list[Feedback]:
        """`score()` for async callers: an async function is awaited on the running loop."""
        row = {"inputs": inputs, "outputs": outputs, "expectations": expectations, "trace": trace}
        try:
            result = self._func(**{p: row[p] for p in self._parameters})
            if inspect.isawaitable(result):
                result = await result
        except Exception as exc:
            return [self._error(exc, trace)]
        return self._feedback(result, trace)

    def _feedback(self, result: Any, trace: Trace | None) -> list[Feedback]:
        try:
            return self._normalize(result, trace)
        except Exception as exc:
            return [self._error(exc, trace)]

    def _normalize(self, result: Any, trace: Trace | None) -> list[Feedback]:
        if result is None:
            return []
        if isinstance(result, Assessment):
            return [self._own(result, trace, self.name)]
        if isinstance(result, list) and result and all(isinstance(r, Assessment) for r in result):
            named = [r.name for r in result]
            if len(result) > 1 and (not all(named) or len(set(named)) < len(named)):
                raise InvalidArgumentError(
                    f"scorer {self.name!r} returned {len(result)} feedbacks: each needs its "
                    f"own name, got {named}"
                )
            return [self._own(r, trace, self.name) for r in result]
        if isinstance(result, list) and not result:
            return []
        if isinstance(result, bool | int | float | str | list):
            return [self._own(Feedback(value=result), trace, self.name)]
        raise InvalidArgumentError(
            f"scorer {self.name!r} returned {type(result).__name__}: a scorer returns a bool, "
            "a number, a string, a Feedback, a list of Feedback, or None"
        )

    def _own(self, given: Assessment, trace: Trace | None, name: str) -> Feedback:
        """The feedback as this scorer's: named, sourced and on the trace unless it says."""
        if not given.feedback:
            raise InvalidArgumentError(
                f"scorer {self.name!r} returned an Expectation; a scorer returns Feedback"
            )
        default_source = given.source == AssessmentSource()
        made = Feedback(
            trace_id=given.trace_id or (trace.trace_id if trace is not None else ""),
            name=given.name or name,
            value=given.value,
            source=self.source if default_source else given.source,
            rationale=given.rationale,
            span_id=given.span_id,
            metadata=dict(given.metadata),
            error=given.error,
        )
        # Every check of a stored feedback but the trace id, which may come later.
        replace(made, trace_id=made.trace_id or _PLACEHOLDER_TRACE_ID).validated()
        return made

    def _error(self, exc: BaseException, trace: Trace | None) -> Feedback:
        return Feedback(
            trace_id=trace.trace_id if trace is not None else "",
            name=self.name,
            source=self.source,
            error=AssessmentError.from_exception(exc),
        )

    def __repr__(self) -> str:
        model = f", model={self.model!r}" if self.model else ""
        return f"<Scorer {self.name!r} {self.kind}{model}>"


@overload
def scorer(func: F, /) -> Scorer: ...


@overload
def scorer(*, name: str | None = None) -> Callable[[Callable[..., Any]], Scorer]: ...


def scorer(
    func: Callable[..., Any] | None = None, /, *, name: str | None = None
) -> Scorer | Callable[[Callable[..., Any]], Scorer]:
    """Make a function a `Scorer` named after it (or `name`): `@scorer` or `@scorer(name=...)`.

    The function takes any of `inputs`, `outputs`, `expectations`, `trace` and returns a bool,
    a number, a string, a `Feedback`, a list of them, or None; it may be `async def`.
    """
    if func is not None:
        return Scorer(func, name=name)

    def decorate(fn: Callable[..., Any]) -> Scorer:
        return Scorer(fn, name=name)

    return decorate


def _declared_parameters(func: Callable[..., Any], name: str) -> tuple[str, ...]:
    """The row fields `func` asks for; InvalidArgumentError for any it could not be given."""
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError) as exc:
        raise InvalidArgumentError(f"scorer {name!r}: cannot read its parameters ({exc})") from exc
    declared: list[str] = []
    for parameter in signature.parameters.values():
        if parameter.kind is inspect.Parameter.VAR_KEYWORD:
            return PARAMETERS  # **kwargs takes them all
        if parameter.kind is inspect.Parameter.VAR_POSITIONAL:
            continue
        usable = parameter.kind is not inspect.Parameter.POSITIONAL_ONLY
        if parameter.name in PARAMETERS and usable:
            declared.append(parameter.name)
        elif parameter.default is inspect.Parameter.empty:
            raise InvalidArgumentError(
                f"scorer {name!r} requires parameter {parameter.name!r}; a scorer's function "
                f"takes any of {', '.join(PARAMETERS)} (by keyword), and others need a default"
            )
    return tuple(declared)


def _run_to_completion(awaitable: Awaitable[Any]) -> Any:
    async def wait() -> Any:
        return await awaitable

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(wait())
    # This thread already runs a loop (a notebook, an async caller): it cannot block on
    # another, so the coroutine gets a loop of its own on a helper thread.
    with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="spanscope-scorer") as pool:
        context = contextvars.copy_context()  # spans it starts nest under the caller's
        return pool.submit(context.run, asyncio.run, wait()).result()
