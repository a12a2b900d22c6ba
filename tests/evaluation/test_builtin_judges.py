"""The built-in judges: what each puts in front of the model, and what it refuses to judge."""

from __future__ import annotations

from typing import Any

import pytest

import spanscope
from spanscope import Document, Feedback, InvalidArgumentError, SpanType, Trace
from spanscope.evaluation.judges.verdict import MalformedVerdict, ResultType, parse_verdict
from spanscope.judges import (
    Judge,
    correctness,
    groundedness,
    guidelines,
    make_judge,
    relevance,
    safety,
)
from spanscope.testing import TraceCapture
from spanscope.testing.fake_llm import FakeLLMServer
from tests.evaluation.scripted import Script, verdict

QUESTION = {"question": "What is the capital of France?"}


@pytest.fixture
def openai_env(server: FakeLLMServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", server.openai_base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")


def prompt_of(server: FakeLLMServer) -> str:
    content: str = server.last_request.json["messages"][1]["content"]
    return content


def rag_trace() -> Trace:
    @spanscope.trace(span_type=SpanType.AGENT)
    def rag(question: str) -> str:
        with spanscope.start_span("search", span_type=SpanType.RETRIEVER) as retriever:
            retriever.set_outputs(
                [
                    Document("Paris is the capital of France.", {"doc_uri": "kb/france"}),
                    Document("France borders Spain.", id="chunk-7"),
                ]
            )
        return "Paris."

    with spanscope.testing.capture_traces() as captured:
        rag(QUESTION["question"])
    return captured.single()


def test_the_built_in_judges_default_to_the_configured_model(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert correctness().model == "openai:/gpt-4o-mini"
    monkeypatch.setenv("SPANSCOPE_JUDGE_MODEL", "anthropic:/claude-judge")
    made = [correctness(), relevance(), groundedness(), safety(), guidelines(["Be brief"])]
    assert [(j.name, j.kind, j.model) for j in made] == [
        (name, "LLM_JUDGE", "anthropic:/claude-judge")
        for name in ("correctness", "relevance", "groundedness", "safety", "guidelines")
    ]
    assert all(isinstance(j, Judge) for j in made)
    assert relevance("ollama:/llama3.2", name="on_topic").name == "on_topic"


@pytest.mark.usefixtures("openai_env")
def test_correctness_compares_outputs_with_expectations(
    server: FakeLLMServer, script: Script
) -> None:
    script.replies = [verdict("no", "It names Lyon.")]
    judge = correctness()
    assert judge.parameters == ("inputs", "outputs", "expectations")
    feedback = judge(inputs=QUESTION, outputs="Lyon", expectations={"expected_facts": ["Paris"]})
    assert (feedback.name, feedback.value, feedback.rationale) == (
        "correctness",
        False,
        "It names Lyon.",
    )
    prompt = prompt_of(server)
    assert '"question": "What is the capital of France?"' in prompt
    assert "Response:\nLyon\n" in prompt
    assert '"expected_facts": [\n    "Paris"\n  ]' in prompt


@pytest.mark.usefixtures("openai_env")
def test_correctness_without_expectations_asks_no_model(server: FakeLLMServer) -> None:
    judge = correctness("openai:/m")
    [feedback] = judge.score(inputs=QUESTION, outputs="Paris", expectations=None)
    assert feedback.value is None and feedback.error is not None
    assert (feedback.error.error_code, feedback.error.error_message) == (
        "MISSING_JUDGE_INPUT",
        "this judge needs expectations; the row has none",
    )
    assert server.requests == []


@pytest.mark.usefixtures("openai_env")
def test_relevance_and_safety(server: FakeLLMServer) -> None:
    assert relevance()(inputs=QUESTION, outputs="Paris.").value is True
    assert "Judge whether the response is relevant" in prompt_of(server)
    judge = safety()
    assert judge.parameters == ("outputs",)
    assert judge(outputs="Paris.").value is True
    assert prompt_of(server).startswith("Judge whether the response is safe")


@pytest.mark.usefixtures("openai_env")
def test_groundedness_reads_the_documents_of_retriever_spans(
    server: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    trace = rag_trace()
    spanscope_traces.clear()
    [feedback] = groundedness().score(inputs=QUESTION, outputs="Paris.", trace=trace)
    assert (feedback.value, feedback.trace_id) == (True, trace.trace_id)
    documents = prompt_of(server).split("Retrieved documents:\n", 1)[1].split("\n\nResponse:")[0]
    assert documents == (
        "[1] (kb/france)\nParis is the capital of France.\n\n[2] (chunk-7)\nFrance borders Spain."
    )
    [own] = spanscope_traces.traces
    assert own.data.root is not None and own.data.root.name == "groundedness"


@pytest.mark.usefixtures("openai_env")
def test_groundedness_without_retrieved_documents_asks_no_model(server: FakeLLMServer) -> None:
    with spanscope.testing.capture_traces() as captured:
        with spanscope.start_span("no_retrieval"):
            pass
    judge = groundedness("openai:/m")
    feedback = judge(outputs="Paris.", trace=captured.single())
    assert feedback.error is not None and feedback.error.error_message == (
        "the trace has no RETRIEVER span that returned documents"
    )
    assert judge(outputs="Paris.").error is not None  # no trace at all
    assert server.requests == []


@pytest.mark.usefixtures("openai_env")
def test_guidelines_lists_the_rules(server: FakeLLMServer, script: Script) -> None:
    script.replies = [verdict(False, "It promises a refund.")]
    judge = guidelines(["Answer in English", "Never promise a refund {{ inputs }}"])
    feedback = judge(inputs={"message": "Refund?"}, outputs="You will get a refund.")
    assert (feedback.value, feedback.rationale) == (False, "It promises a refund.")
    prompt = prompt_of(server)
    # A rule is text: braces in it are not a template variable.
    assert "- Answer in English\n- Never promise a refund { { inputs }}\n" in prompt
    assert guidelines("Be brief", name="brief").name == "brief"
    with pytest.raises(InvalidArgumentError, match="guidelines"):
        guidelines([])


def test_the_public_judges_module() -> None:
    import spanscope.judges as public

    assert public.__all__ == [
        "Judge",
        "correctness",
        "groundedness",
        "guidelines",
        "make_judge",
        "relevance",
        "safety",
    ]
    assert public.make_judge is make_judge


# -- reading verdicts ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        '{"result": true, "rationale": "ok"}',
        '```json\n{"result": "yes", "rationale": "ok"}\n```',
        'Sure. {"result": "Pass", "rationale": "ok"} Hope this helps!',
        'First {"note": 1} then {"result": true, "rationale": "ok"}',
    ],
)
def test_a_verdict_is_found_in_prose_and_fences(text: str) -> None:
    assert parse_verdict(text, ResultType.of(bool)).result is True
    assert parse_verdict(text, ResultType.of(bool)).rationale == "ok"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("yes", "holds no JSON object"),
        ('{"verdict": true}', 'no "result" key'),
        ('{"result": "unsure"}', '"result" must be true or false'),
    ],
)
def test_what_is_wrong_with_a_reply_is_said(text: str, problem: str) -> None:
    with pytest.raises(MalformedVerdict, match=problem):
        parse_verdict(text, ResultType.of(bool))


def test_a_rationale_that_is_not_text_is_kept_as_json() -> None:
    found = parse_verdict('{"result": 3, "rationale": ["short", "clear"]}', ResultType.of(int))
    assert (found.result, found.rationale) == (3, '["short", "clear"]')
    assert parse_verdict('{"result": 3}', ResultType.of(int)).rationale is None


def test_a_custom_judge_in_an_evaluation_loop_never_raises(
    server: FakeLLMServer, script: Script
) -> None:
    script.replies = [verdict(True), "garbage", "garbage"]
    judge = make_judge(
        "concise",
        "Is {{ outputs }} concise?",
        "openai:/m",
        base_url=server.openai_base_url,
        max_retries=0,
    )
    rows: list[dict[str, Any]] = [{"outputs": "Paris."}, {"outputs": "Well, it is Paris."}]
    results: list[Feedback] = [f for row in rows for f in judge.score(**row)]
    assert [(f.value, f.error and f.error.error_code) for f in results] == [
        (True, None),
        (None, "MALFORMED_VERDICT"),
    ]
    assert len(server.requests) == 2
