"""@spanscope.scorer: what the function is given, and what its return value becomes."""

from __future__ import annotations

import asyncio
import math
from typing import Any

import pytest

import spanscope
from spanscope import (
    AssessmentError,
    AssessmentSource,
    AssessmentSourceType,
    Expectation,
    Feedback,
    InvalidArgumentError,
    Scorer,
    Trace,
)
from spanscope.entities.evaluation_run import ScorerSpec
from spanscope.testing import capture_traces

CODE = AssessmentSourceType.CODE


def _trace() -> Trace:
    with capture_traces() as captured:

        @spanscope.trace
        def answer(question: str) -> str:
            return f"about {question}"

        answer("tea")
    return captured.single()


# -- Feedback without a trace ------------------------------------------------------------------


def test_feedback_needs_no_trace_id_or_name_to_be_made() -> None:
    made = Feedback(value=True, rationale="short and polite")
    assert (made.trace_id, made.name, made.value, made.rationale) == (
        "",
        "",
        True,
        "short and polite",
    )
    with pytest.raises(InvalidArgumentError, match="trace_id"):
        made.validated()  # to be stored it must be filled in
    expected = Expectation(value={"answer": "Paris"})
    assert (expected.trace_id, expected.name, expected.source.source_type) == (
        "",
        "",
        AssessmentSourceType.HUMAN,
    )
    # Positional and keyword callers are unchanged.
    assert Feedback("a" * 32, "tone", value="ok").validated().name == "tone"
    assert Feedback(trace_id="a" * 32, name="tone", value=1).validated().value == 1


# -- the decorator -----------------------------------------------------------------------------


def test_bare_decorator_names_the_scorer_after_the_function() -> None:
    @spanscope.scorer
    def is_short(outputs: str) -> bool:
        """Short answers read better."""
        return len(outputs) < 10

    assert isinstance(is_short, Scorer)
    assert (is_short.name, is_short.kind, is_short.model) == ("is_short", "CODE", None)
    assert is_short.parameters == ("outputs",)
    assert is_short.spec() == ScorerSpec("is_short", "CODE", None)
    assert is_short.__doc__ == "Short answers read better."
    # Calling the scorer calls the function as written: users unit-test it so.
    assert is_short("hi") is True
    assert is_short(outputs="a much longer answer") is False


def test_decorator_with_a_name() -> None:
    @spanscope.scorer(name="polite")
    def check(outputs: str) -> bool:
        return "please" in outputs

    assert check.name == "polite"
    [feedback] = check.score(outputs="please sit")
    assert (feedback.name, feedback.value) == ("polite", True)
    assert feedback.source == AssessmentSource(CODE, "polite")


def test_a_lambda_needs_a_name() -> None:
    with pytest.raises(InvalidArgumentError, match="name="):
        spanscope.scorer(lambda outputs: True)
    named = spanscope.scorer(name="always")(lambda outputs: True)
    assert named.score(outputs="x")[0].name == "always"


def test_only_declared_parameters_are_passed() -> None:
    seen: dict[str, Any] = {}

    @spanscope.scorer
    def reads_two(expectations: Any, inputs: Any, unused: int = 3) -> bool:
        seen.update(inputs=inputs, expectations=expectations, unused=unused)
        return True

    @spanscope.scorer
    def reads_all(**row: Any) -> bool:
        seen["row"] = sorted(row)
        return True

    trace = _trace()
    reads_two.score(inputs={"q": 1}, outputs="o", expectations={"e": 2}, trace=trace)
    reads_all.score(inputs=1, outputs=2, expectations=3, trace=trace)
    assert seen == {
        "inputs": {"q": 1},
        "expectations": {"e": 2},
        "unused": 3,
        "row": ["expectations", "inputs", "outputs", "trace"],
    }
    assert reads_two.parameters == ("expectations", "inputs")  # as declared


def test_a_required_parameter_of_another_name_is_refused_at_decoration() -> None:
    with pytest.raises(InvalidArgumentError) as caught:

        @spanscope.scorer
        def needs_answer(outputs: str, answer: str) -> bool:
            return outputs == answer

    message = str(caught.value)
    assert "'answer'" in message
    for name in ("inputs", "outputs", "expectations", "trace"):
        assert name in message


# -- return values -----------------------------------------------------------------------------


@pytest.mark.parametrize("value", [True, False, 3, 0.25, "polite"])
def test_a_plain_value_is_one_feedback_named_after_the_scorer(value: Any) -> None:
    trace = _trace()

    @spanscope.scorer
    def judged(outputs: Any) -> Any:
        return value

    [feedback] = judged.score(outputs="x", trace=trace)
    assert feedback.kind == "feedback"
    assert (feedback.name, feedback.value, feedback.error) == ("judged", value, None)
    assert feedback.trace_id == trace.trace_id
    assert feedback.source == AssessmentSource(CODE, "judged")
    assert feedback.validated() is feedback


def test_a_feedback_keeps_what_the_user_set_and_gets_the_rest() -> None:
    @spanscope.scorer
    def tone(outputs: str) -> Feedback:
        return Feedback(value="warm", rationale="says thanks", metadata={"lang": "en"})

    @spanscope.scorer
    def renamed(outputs: str) -> Feedback:
        source = AssessmentSource(AssessmentSourceType.HUMAN, "reviewer")
        return Feedback(name="custom", value=1, source=source)

    [feedback] = tone.score(outputs="thanks!")
    assert (feedback.name, feedback.value, feedback.rationale, feedback.metadata) == (
        "tone",
        "warm",
        "says thanks",
        {"lang": "en"},
    )
    assert feedback.source == AssessmentSource(CODE, "tone")
    assert feedback.trace_id == ""  # no trace given
    [other] = renamed.score(outputs="x")
    assert (other.name, other.source.source_id) == ("custom", "reviewer")


def test_a_list_of_feedback_gives_each_its_own_name() -> None:
    @spanscope.scorer
    def style(outputs: str) -> list[Feedback]:
        return [
            Feedback(name="length", value=len(outputs)),
            Feedback(name="shouting", value=outputs.isupper(), rationale="all caps"),
        ]

    feedbacks = style.score(outputs="HELLO")
    assert [(f.name, f.value, f.rationale) for f in feedbacks] == [
        ("length", 5, None),
        ("shouting", True, "all caps"),
    ]
    assert {f.source for f in feedbacks} == {AssessmentSource(CODE, "style")}


def test_several_feedbacks_without_their_own_names_are_an_error() -> None:
    @spanscope.scorer
    def unnamed(outputs: str) -> list[Feedback]:
        return [Feedback(value=1), Feedback(value=2)]

    [feedback] = unnamed.score(outputs="x")
    assert feedback.value is None
    assert feedback.error is not None and "own name" in str(feedback.error.error_message)


def test_none_and_an_empty_list_mean_no_score() -> None:
    @spanscope.scorer
    def abstains(outputs: Any) -> Any:
        return None if outputs else []

    assert abstains.score(outputs="x") == []
    assert abstains.score(outputs="") == []


def test_a_list_of_strings_is_one_feedback_value() -> None:
    @spanscope.scorer
    def topics(outputs: str) -> list[str]:
        return outputs.split()

    [feedback] = topics.score(outputs="tea coffee")
    assert (feedback.name, feedback.value) == ("topics", ["tea", "coffee"])


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"score": 1}, "returned dict"),
        (math.nan, "finite"),
        ([1, 2], "list of strings"),
        (Expectation(value="Paris"), "Expectation"),
    ],
)
def test_a_return_value_that_is_no_score_becomes_an_error_feedback(
    value: Any, message: str
) -> None:
    @spanscope.scorer
    def odd(outputs: Any) -> Any:
        return value

    trace = _trace()
    [feedback] = odd.score(outputs="x", trace=trace)
    assert (feedback.name, feedback.value, feedback.trace_id) == ("odd", None, trace.trace_id)
    assert feedback.error is not None
    assert feedback.error.error_code == "InvalidArgumentError"
    assert message in str(feedback.error.error_message)
    assert feedback.source == AssessmentSource(CODE, "odd")


def test_an_exception_becomes_an_error_feedback() -> None:
    @spanscope.scorer
    def broken(outputs: str) -> bool:
        raise KeyError("answer")

    [feedback] = broken.score(outputs="x")
    assert feedback.value is None
    assert isinstance(feedback.error, AssessmentError)
    assert (feedback.error.error_code, feedback.error.error_message) == ("KeyError", "'answer'")
    assert "raise KeyError" in str(feedback.error.stack_trace)
    with pytest.raises(KeyError):
        broken("x")  # called directly, the function raises as written


# -- async functions ---------------------------------------------------------------------------


@spanscope.scorer
async def slow_check(outputs: str) -> Feedback:
    await asyncio.sleep(0)
    return Feedback(value=outputs == "ok", rationale="awaited")


@spanscope.scorer
async def slow_failure(outputs: str) -> bool:
    await asyncio.sleep(0)
    raise RuntimeError("no luck")


def test_an_async_scorer_runs_from_sync_code() -> None:
    [feedback] = slow_check.score(outputs="ok")
    assert (feedback.name, feedback.value, feedback.rationale) == ("slow_check", True, "awaited")
    [failed] = slow_failure.score(outputs="ok")
    assert failed.error is not None and failed.error.error_code == "RuntimeError"


async def test_an_async_scorer_runs_inside_a_running_loop() -> None:
    # score() from a coroutine (a notebook cell, an async app) cannot block this loop.
    [feedback] = slow_check.score(outputs="ok")
    assert feedback.value is True
    [awaited] = await slow_check.ascore(outputs="no")
    assert awaited.value is False
    [failed] = await slow_failure.ascore(outputs="ok")
    assert failed.error is not None and failed.error.error_message == "no luck"


def test_the_scorer_and_the_decorator_are_public() -> None:
    from spanscope import scorers

    assert spanscope.Scorer is Scorer is scorers.Scorer
    assert scorers.scorer is spanscope.scorer
