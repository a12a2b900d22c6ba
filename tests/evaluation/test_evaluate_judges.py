"""evaluate() with an LLM judge on the fake OpenAI server: scripted verdicts, a malformed reply
corrected, a server error retried, a judge that never answers well — never an aborted run."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import spanscope
from spanscope import judges
from spanscope.constants import AssessmentMetadataKey
from spanscope.entities import EvaluationRunStatus
from spanscope.store.uri import get_store
from spanscope.testing.fake_llm import FakeLLMServer
from tests.outline import outline

ANSWERS = {"France": "Paris", "Peru": "Cusco", "Chile": "Santiago", "Japan": "Tokyo"}


class Scripted:
    """The fake model's verdicts: 'yes' when the answer is the expected capital; garbage for
    the countries told to misbehave (once, or always). A judge's correction names no country:
    it is about the last one asked (the tests that garble always run serially)."""

    def __init__(self) -> None:
        self.garbled_once: set[str] = set()
        self.garbled_always: set[str] = set()
        self.lock = threading.Lock()
        self.last = ""

    def __call__(self, prompt: str) -> str:
        country = next((c for c in ANSWERS if c in prompt), None)
        with self.lock:
            if country is None:  # a correction: the verdict again
                if self.last in self.garbled_always:
                    return "Still fine, I would say."
                return json.dumps({"result": "yes", "rationale": "corrected"})
            self.last = country
            if country in self.garbled_always:
                return "I think it is fine, probably."
            if country in self.garbled_once:
                self.garbled_once.discard(country)
                return "Sure! The answer looks right to me."
        right = f"The capital is {ANSWERS[country]}" in prompt and ANSWERS[country] != "Cusco"
        return json.dumps({"result": "yes" if right else "no", "rationale": f"about {country}"})


@pytest.fixture
def script() -> Scripted:
    return Scripted()


@pytest.fixture
def server(script: Scripted, tmp_path: Path) -> Iterator[FakeLLMServer]:
    spanscope.set_tracking_uri(f"sqlite:///{tmp_path}/judged.db")
    spanscope.set_experiment("judged")
    with FakeLLMServer(reply=script) as fake:
        yield fake


def _judge(server: FakeLLMServer) -> Any:
    return judges.make_judge(
        name="right_capital",
        instructions="Country: {{ inputs }}\nAnswer: {{ outputs }}\nIs the capital right?",
        model="openai:/gpt-4o-mini",
        base_url=server.openai_base_url,
        api_key="sk-fake",
        max_retries=1,
    )


def geo_app(country: str) -> str:
    return f"The capital is {ANSWERS[country]}."


@spanscope.scorer
def mentions_capital(outputs: str) -> bool:
    return "capital" in outputs


def test_judge_scores_land_as_llm_judge_feedback(server: FakeLLMServer, script: Scripted) -> None:
    script.garbled_once.add("Chile")  # corrected on the second ask
    server.fail_next(500)  # one server error, retried
    data = [{"inputs": {"country": c}} for c in ANSWERS]
    result = spanscope.evaluate(data, [mentions_capital, _judge(server)], predict_fn=geo_app)

    assert result.run.status is EvaluationRunStatus.FINISHED
    metrics = result.metrics["right_capital"]
    assert (metrics.count, metrics.errors, metrics.pass_rate) == (4, 0, 0.75)
    assert [s.kind for s in result.run.scorers] == ["CODE", "LLM_JUDGE"]
    assert result.run.scorers[1].model == "openai:/gpt-4o-mini"
    peru = next(i for i in result.items if i.inputs == {"country": "Peru"})
    assert (peru.scores["right_capital"].value, peru.scores["right_capital"].rationale) == (
        False,
        "about Peru",
    )
    trace = spanscope.get_trace(peru.trace_id)  # type: ignore[arg-type]
    (judged,) = [a for a in trace.info.assessments if a.name == "right_capital"]
    assert (judged.source.source_type, judged.source.source_id) == ("LLM_JUDGE", "right_capital")
    assert judged.value is False
    # The judge's own call is a trace of its own, named on the feedback.
    judge_trace = spanscope.get_trace(judged.metadata[AssessmentMetadataKey.JUDGE_TRACE_ID])
    assert outline(judge_trace)[0] == "right_capital [EVALUATOR]"
    assert judge_trace.trace_id != trace.trace_id
    # Four verdicts, one re-asked after the garbled reply, one retried after the 500.
    chats = [r for r in server.requests if r.path.endswith("/chat/completions")]
    assert len(chats) == 6


def test_a_judge_that_never_answers_well_gives_errors_not_an_abort(
    server: FakeLLMServer, script: Scripted
) -> None:
    script.garbled_always.add("Japan")
    server.fail_next(500, times=2)  # as many as the judge tries: the first row's call fails
    data = [{"inputs": {"country": c}} for c in ANSWERS]
    result = spanscope.evaluate(
        data, [mentions_capital, _judge(server)], predict_fn=geo_app, max_workers=1
    )

    assert result.run.status is EvaluationRunStatus.FINISHED
    assert result.metrics["mentions_capital"].pass_rate == 1.0
    metrics = result.metrics["right_capital"]
    assert metrics.errors == 2
    assert metrics.count == 2
    errors = {i.inputs["country"]: i.scores["right_capital"].error for i in result.items}
    assert errors["Japan"] is not None and errors["Japan"].startswith("MALFORMED_VERDICT")
    assert errors["France"] is not None and errors["France"].startswith("JUDGE_CALL_FAILED")
    stored = get_store().get_evaluation_items(result.run_id)
    assert [i.scores["right_capital"].error for i in stored] == [errors[c] for c in ANSWERS]
    (france_id,) = [i.trace_id for i in result.items if i.inputs["country"] == "France"]
    assert france_id is not None
    france = spanscope.get_trace(france_id)
    (failed,) = [a for a in france.info.assessments if a.name == "right_capital"]
    assert failed.value is None and failed.error is not None
    assert failed.error.error_code == "JUDGE_CALL_FAILED"
