"""DSPy programs on DummyLM: modules, LM calls, adapters, tools and evaluation as span trees."""

from __future__ import annotations

import asyncio
from typing import Any

import dspy
import pytest
from dspy.utils.callback import BaseCallback
from dspy.utils.dummies import DummyLM

import spanscope
from spanscope.constants import SpanAttributeKey as K
from spanscope.dspy._callback import SIGNATURE
from spanscope.otel.conventions import GenAIKey
from spanscope.testing import TraceCapture
from tests.dspy.helpers import PREDICT_TREE, QUESTION, indent, outline, span


def test_predict(spanscope_traces: TraceCapture) -> None:
    with dspy.context(lm=DummyLM([{"answer": "blue"}])):
        prediction = dspy.Predict("question -> answer")(question=QUESTION)

    assert prediction.answer == "blue"
    trace = spanscope_traces.single()
    assert outline(trace) == PREDICT_TREE
    predict = span(trace, "Predict")
    assert predict.inputs == {"question": QUESTION}
    assert predict.outputs == {"answer": "blue"}
    assert predict.get_attribute(SIGNATURE) == "question -> answer"
    lm = span(trace, "DummyLM")
    assert lm.get_attribute(K.GEN_AI_PROVIDER) == "dspy"
    assert lm.get_attribute(K.GEN_AI_REQUEST_MODEL) == "dummy"
    assert lm.get_attribute(K.GEN_AI_OPERATION) == "chat"
    system, user = lm.get_attribute(K.GEN_AI_INPUT_MESSAGES)
    assert system["role"] == "system" and "`answer`" in system["parts"][0]["content"]
    assert user["role"] == "user" and QUESTION in user["parts"][0]["content"]
    [reply] = lm.get_attribute(K.GEN_AI_OUTPUT_MESSAGES)
    assert reply["role"] == "assistant"
    assert "[[ ## answer ## ]]\nblue" in reply["parts"][0]["content"]
    assert lm.get_attribute(K.GEN_AI_INPUT_TOKENS) == 0  # what DummyLM reports
    assert span(trace, "ChatAdapter.parse").outputs == {"answer": "blue"}
    assert span(trace, "ChatAdapter.format").inputs["signature"] == "question -> answer"


def test_chain_of_thought(spanscope_traces: TraceCapture) -> None:
    lm = DummyLM([{"reasoning": "Rayleigh scattering.", "answer": "blue"}])
    with dspy.context(lm=lm):
        prediction = dspy.ChainOfThought("question -> answer")(question=QUESTION)

    assert prediction.reasoning == "Rayleigh scattering."
    trace = spanscope_traces.single()
    assert outline(trace) == ["ChainOfThought [CHAIN]", *indent(PREDICT_TREE)]
    assert span(trace, "ChainOfThought").outputs == {
        "reasoning": "Rayleigh scattering.",
        "answer": "blue",
    }


@spanscope.trace(span_type="RETRIEVER")
def forecast_table(city: str) -> str:
    return {"Paris": "sunny"}[city]  # KeyError for other cities


def weather(city: str) -> str:
    """The weather in a city."""
    return f"{forecast_table(city)} in {city}"


def react_lm(city: str) -> DummyLM:
    return DummyLM(
        [
            {
                "next_thought": "Look it up.",
                "next_tool_name": "weather",
                "next_tool_args": {"city": city},
            },
            {"next_thought": "Done.", "next_tool_name": "finish", "next_tool_args": {}},
            {"reasoning": "The tool said so.", "answer": "sunny"},
        ]
    )


def react_tree(tool_error: str = "") -> list[str]:
    return [
        "ReAct [AGENT]",
        *indent(PREDICT_TREE),
        f"  weather [TOOL]{tool_error}",
        f"    forecast_table [RETRIEVER]{tool_error}",  # a @spanscope.trace function nests
        *indent(PREDICT_TREE),
        "  finish [TOOL]",
        "  ChainOfThought [CHAIN]",
        *indent(PREDICT_TREE, 2),
    ]


def test_react_with_a_tool(spanscope_traces: TraceCapture) -> None:
    with dspy.context(lm=react_lm("Paris")):
        prediction = dspy.ReAct("question -> answer", tools=[weather])(question="Paris?")

    assert prediction.answer == "sunny"
    trace = spanscope_traces.single()
    assert outline(trace) == react_tree()
    tool = span(trace, "weather")
    assert tool.inputs == {"city": "Paris"}
    assert tool.outputs == "sunny in Paris"
    assert tool.get_attribute(GenAIKey.TOOL_NAME) == "weather"
    assert span(trace, "ReAct").outputs["answer"] == "sunny"


def test_an_error_in_a_tool_is_recorded_and_react_goes_on(
    spanscope_traces: TraceCapture,
) -> None:
    with dspy.context(lm=react_lm("Atlantis")):
        prediction = dspy.ReAct("question -> answer", tools=[weather])(question="Atlantis?")

    assert "KeyError" in prediction.trajectory["observation_0"]  # ReAct shows it to the LM
    trace = spanscope_traces.single()
    assert outline(trace) == react_tree(" ERROR: KeyError: 'Atlantis'")
    assert span(trace, "ReAct").status.status_code.value == "OK"
    assert span(trace, "weather").events[0].attributes["exception.type"] == "KeyError"


def test_an_error_in_a_module_marks_the_path_to_the_root(
    spanscope_traces: TraceCapture,
) -> None:
    class Failing(dspy.Module):  # type: ignore[misc]  # dspy ships no type hints
        def forward(self, question: str) -> Any:
            raise TimeoutError("the knowledge base is down")

    class Pipeline(dspy.Module):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.step = Failing()

        def forward(self, question: str) -> Any:
            return self.step(question=question)

    with pytest.raises(TimeoutError, match="the knowledge base is down"):
        Pipeline()(question=QUESTION)

    error = "TimeoutError: the knowledge base is down"
    assert outline(spanscope_traces.single()) == [
        f"Pipeline [CHAIN] ERROR: {error}",
        f"  Failing [CHAIN] ERROR: {error}",
    ]


async def test_async_acall(spanscope_traces: TraceCapture) -> None:
    lm = DummyLM([{"reasoning": "Rayleigh scattering.", "answer": "blue"}])
    with dspy.context(lm=lm):
        prediction = await dspy.ChainOfThought("question -> answer").acall(question=QUESTION)

    assert prediction.answer == "blue"
    assert outline(spanscope_traces.single()) == ["ChainOfThought [CHAIN]", *indent(PREDICT_TREE)]


async def test_concurrent_async_calls_keep_their_own_trees(
    spanscope_traces: TraceCapture,
) -> None:
    lm = DummyLM({f"Q{i}": {"answer": f"A{i}"} for i in range(3)})
    with dspy.context(lm=lm):
        predict = dspy.Predict("question -> answer")
        answers = await asyncio.gather(*(predict.acall(question=f"Q{i}") for i in range(3)))

    assert [a.answer for a in answers] == ["A0", "A1", "A2"]
    traces = spanscope_traces.traces
    assert [outline(t) for t in traces] == [PREDICT_TREE] * 3
    assert sorted(span(t, "Predict").inputs["question"] for t in traces) == ["Q0", "Q1", "Q2"]


async def test_streamify(spanscope_traces: TraceCapture) -> None:
    with dspy.context(lm=DummyLM([{"answer": "blue"}])):
        program = dspy.streamify(dspy.Predict("question -> answer"))
        async with spanscope.start_span("request"):
            chunks = [chunk async for chunk in program(question=QUESTION)]

    assert chunks[-1].answer == "blue"
    assert outline(spanscope_traces.single()) == ["request [UNKNOWN]", *indent(PREDICT_TREE)]


def test_sync_streamify(spanscope_traces: TraceCapture) -> None:
    with dspy.context(lm=DummyLM([{"answer": "blue"}])):
        program = dspy.streamify(dspy.Predict("question -> answer"), async_streaming=False)
        with spanscope.start_span("request"):
            chunks = list(program(question=QUESTION))

    assert chunks[-1].answer == "blue"
    assert outline(spanscope_traces.single()) == ["request [UNKNOWN]", *indent(PREDICT_TREE)]


class Recorder(BaseCallback):  # type: ignore[misc]  # dspy ships no type hints
    def __init__(self) -> None:
        self.calls: list[str] = []

    def on_module_start(self, call_id: str, instance: Any, inputs: dict[str, Any]) -> None:
        self.calls.append(f"module {type(instance).__name__}")

    def on_lm_end(self, call_id: str, outputs: Any, exception: Exception | None = None) -> None:
        self.calls.append("lm end")


def test_the_applications_own_callbacks_are_still_called(
    spanscope_traces: TraceCapture,
) -> None:
    global_cb, lm_cb = Recorder(), Recorder()
    dspy.settings.configure(callbacks=[global_cb])
    spanscope.dspy.autolog()  # added beside the application's callback, not instead of it
    lm = DummyLM([{"answer": "blue"}])
    lm.callbacks = [lm_cb]  # an instance's own callbacks (dspy.LM(..., callbacks=[...]))
    with dspy.context(lm=lm):
        dspy.Predict("question -> answer")(question=QUESTION)

    assert global_cb.calls == ["module Predict", "lm end"]
    assert lm_cb.calls == ["lm end"]
    assert outline(spanscope_traces.single()) == PREDICT_TREE
    spanscope.dspy.autolog(disable=True)
    assert dspy.settings.callbacks == [global_cb]


@pytest.mark.parametrize("num_threads", [1, 2])
def test_evaluate(num_threads: int, spanscope_traces: TraceCapture) -> None:
    devset = [
        dspy.Example(question=f"Q{i}", answer=f"A{i}").with_inputs("question") for i in (0, 1)
    ]
    lm = DummyLM({"Q0": {"answer": "A0"}, "Q1": {"answer": "wrong"}})

    def exact(example: Any, prediction: Any, trace: Any = None) -> bool:
        return bool(example.answer == prediction.answer)

    with dspy.context(lm=lm):
        evaluate = dspy.Evaluate(devset=devset, metric=exact, num_threads=num_threads)
        result = evaluate(dspy.Predict("question -> answer"))

    assert result.score == 50.0
    trace = spanscope_traces.single()  # the examples run (in worker threads) under it
    assert outline(trace) == ["Evaluate [EVALUATOR]", *indent(PREDICT_TREE), *indent(PREDICT_TREE)]
    evaluation = span(trace, "Evaluate")
    assert evaluation.inputs == {"program": "Predict", "metric": "exact", "devset_size": 2}
    assert evaluation.outputs == {"score": 50.0}


def test_retrieve_records_documents(spanscope_traces: TraceCapture) -> None:
    def search(query: str, k: int = 3, **kwargs: Any) -> list[Any]:
        return [dspy.Prediction(long_text="Paris is the capital of France.")]

    with dspy.context(rm=search):
        found = dspy.Retrieve(k=1)("capital?")

    assert found.passages == ["Paris is the capital of France."]
    retrieve = span(spanscope_traces.single(), "Retrieve")
    assert retrieve.span_type == "RETRIEVER"
    assert retrieve.inputs == {"query": "capital?"}
    assert retrieve.outputs == [
        {"page_content": "Paris is the capital of France.", "metadata": {"rank": 0}, "id": None}
    ]
