"""make_judge against the fake OpenAI, Anthropic and Ollama servers: what the judge sends,
how it reads scripted verdicts (malformed ones, server errors), its feedback, and its trace."""

from __future__ import annotations

import json
import socket
from typing import Any, Literal

import pytest

import spanscope
from spanscope import AssessmentSource, AssessmentSourceType, Feedback, InvalidArgumentError
from spanscope.constants import AssessmentMetadataKey as M
from spanscope.constants import SpanAttributeKey as K
from spanscope.constants import TraceMetadataKey
from spanscope.entities.evaluation_run import ScorerSpec
from spanscope.judges import Judge, make_judge
from spanscope.testing import TraceCapture, span_tree
from spanscope.testing.fake_llm import FakeLLMServer
from spanscope.testing.fake_llm.conversation import count_tokens
from tests.evaluation.scripted import Script, verdict

INSTRUCTIONS = "Does {{ outputs }} answer {{ inputs }} as {{ expectations }} says?"
ROW: dict[str, Any] = {
    "inputs": {"question": "Capital of France?"},
    "outputs": "Paris",
    "expectations": {"expected_response": "Paris"},
}
JUDGE = AssessmentSource(AssessmentSourceType.LLM_JUDGE, "correct")


def openai_judge(server: FakeLLMServer, **options: Any) -> Judge:
    return make_judge(
        "correct",
        INSTRUCTIONS,
        "openai:/gpt-judge",
        base_url=server.openai_base_url,
        api_key="sk-test",
        **options,
    )


def error_code(feedback: Feedback) -> str:
    assert feedback.value is None and feedback.error is not None
    return feedback.error.error_code


def chat_bodies(server: FakeLLMServer) -> list[dict[str, Any]]:
    return [r.json for r in server.requests if r.path.endswith(("/chat/completions", "/messages"))]


# -- make_judge refuses what it cannot use --------------------------------------------------


def test_instructions_must_name_a_row_field() -> None:
    with pytest.raises(InvalidArgumentError, match=r"at least one of \{\{ inputs \}\}"):
        make_judge("j", "Is the answer good?", "openai:/m")


def test_instructions_naming_anything_else_list_the_accepted_names() -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        make_judge("j", "Is {{ outputs }} right for {{ question }} and {{inputs.q}}?", "openai:/m")
    message = str(caught.value)
    assert "{{ question }}" in message and "{{ inputs.q }}" in message
    for name in ("{{ inputs }}", "{{ outputs }}", "{{ expectations }}", "{{ trace }}"):
        assert name in message


@pytest.mark.parametrize(
    "uri", ["gpt-4o-mini", "openai:gpt-4o", "azure:/gpt-4o", "openai:/", "openai:/ spaced"]
)
def test_a_bad_model_uri_names_the_accepted_forms(uri: str) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        make_judge("j", "{{ outputs }}", uri)
    message = str(caught.value)
    for form in ("openai:/<model>", "anthropic:/<model>", "ollama:/<model>", "base_url"):
        assert form in message


def test_bad_options_are_refused() -> None:
    with pytest.raises(InvalidArgumentError, match="feedback_type"):
        make_judge("j", "{{ outputs }}", "openai:/m", feedback_type=dict)
    with pytest.raises(InvalidArgumentError, match="max_retries"):
        make_judge("j", "{{ outputs }}", "openai:/m", max_retries=-1)
    with pytest.raises(InvalidArgumentError, match="name"):
        make_judge(" ", "{{ outputs }}", "openai:/m")


def test_a_judge_is_an_llm_judge_scorer_given_only_what_it_names() -> None:
    judge = make_judge("tone", "Is {{ outputs }} polite? Context: {{trace}}", "anthropic:/claude-x")
    assert isinstance(judge, spanscope.Scorer)
    assert (judge.name, judge.kind, judge.model) == ("tone", "LLM_JUDGE", "anthropic:/claude-x")
    assert judge.parameters == ("outputs", "trace")
    assert judge.spec() == ScorerSpec("tone", "LLM_JUDGE", "anthropic:/claude-x")
    assert judge.instructions == "Is {{ outputs }} polite? Context: {{trace}}"


# -- a verdict from the OpenAI API ----------------------------------------------------------


def test_a_valid_verdict_becomes_feedback(
    server: FakeLLMServer, script: Script, spanscope_traces: TraceCapture
) -> None:
    script.replies = [verdict("yes", "Paris is the expected answer.")]
    feedback = openai_judge(server)(**ROW)

    assert feedback.kind == "feedback"
    assert (feedback.name, feedback.value, feedback.rationale, feedback.error) == (
        "correct",
        True,
        "Paris is the expected answer.",
        None,
    )
    assert feedback.source == JUDGE
    judge_trace = spanscope_traces.single()
    assert feedback.metadata == {
        M.JUDGE_TRACE_ID: judge_trace.trace_id,
        M.JUDGE_MODEL: "openai:/gpt-judge",
    }

    [request] = server.requests
    assert (request.method, request.path) == ("POST", "/v1/chat/completions")
    assert request.headers["authorization"] == "Bearer sk-test"
    body = request.json
    assert body["model"] == "gpt-judge"
    assert body["response_format"] == {"type": "json_object"}
    system, user = body["messages"]
    assert system["role"] == "system"
    assert '{"result": <true or false>, "rationale":' in system["content"]
    assert user == {
        "role": "user",
        "content": 'Does Paris answer {\n  "question": "Capital of France?"\n} as {\n'
        '  "expected_response": "Paris"\n} says?\n\nAnswer with a JSON object '
        '{"result": ..., "rationale": ...} where "result" is true or false.',
    }


def test_the_judge_records_its_call_as_a_trace(
    server: FakeLLMServer, script: Script, spanscope_traces: TraceCapture
) -> None:
    script.replies = [verdict(False, "It says Lyon.")]
    openai_judge(server)(**{**ROW, "outputs": "Lyon"})
    trace = spanscope_traces.single()
    [body] = chat_bodies(server)
    reply = json.dumps({"result": False, "rationale": "It says Lyon."})
    prompt_tokens = count_tokens(*(m["content"] for m in body["messages"]))
    keys = [
        K.GEN_AI_PROVIDER,
        K.GEN_AI_REQUEST_MODEL,
        K.GEN_AI_RESPONSE_MODEL,
        K.GEN_AI_INPUT_MESSAGES,
        K.GEN_AI_OUTPUT_MESSAGES,
        K.GEN_AI_INPUT_TOKENS,
        K.GEN_AI_OUTPUT_TOKENS,
    ]
    tree = span_tree(trace, attributes=keys, events=False)
    llm = tree[0]["children"][0]
    assert llm["outputs"]["choices"][0]["message"]["content"] == reply
    llm["outputs"] = "<response>"
    assert tree == [
        {
            "name": "correct",
            "span_type": "EVALUATOR",
            "status": "OK",
            "inputs": {**ROW, "outputs": "Lyon"},
            "outputs": {"result": False, "rationale": "It says Lyon."},
            "attributes": dict.fromkeys(keys),
            "children": [
                {
                    "name": "chat gpt-judge",
                    "span_type": "CHAT_MODEL",
                    "status": "OK",
                    "inputs": body,
                    "outputs": "<response>",
                    "attributes": {
                        K.GEN_AI_PROVIDER: "openai",
                        K.GEN_AI_REQUEST_MODEL: "gpt-judge",
                        K.GEN_AI_RESPONSE_MODEL: "gpt-judge",
                        K.GEN_AI_INPUT_MESSAGES: [
                            {
                                "role": m["role"],
                                "parts": [{"type": "text", "content": m["content"]}],
                            }
                            for m in body["messages"]
                        ],
                        K.GEN_AI_OUTPUT_MESSAGES: [
                            {
                                "role": "assistant",
                                "parts": [{"type": "text", "content": reply}],
                                "finish_reason": "stop",
                            }
                        ],
                        K.GEN_AI_INPUT_TOKENS: prompt_tokens,
                        K.GEN_AI_OUTPUT_TOKENS: count_tokens(reply),
                    },
                    "children": [],
                }
            ],
        }
    ]
    assert trace.info.token_usage == {
        "input_tokens": prompt_tokens,
        "output_tokens": count_tokens(reply),
        "total_tokens": prompt_tokens + count_tokens(reply),
        "cache_read_input_tokens": 0,
    }


def test_the_judge_trace_is_its_own_even_inside_another_span(
    server: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    with spanscope.start_span("app", span_type="CHAIN"):
        feedback = openai_judge(server)(**ROW)
    app, judged = sorted(spanscope_traces.traces, key=lambda t: t.data.spans[0].name)
    assert [s.name for s in app.spans] == ["app"]
    assert [s.name for s in judged.spans] == ["correct", "chat gpt-judge"]
    assert feedback.metadata[M.JUDGE_TRACE_ID] == judged.trace_id != app.trace_id


def test_the_provider_settings_come_from_the_environment(
    server: FakeLLMServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    judge = make_judge("correct", INSTRUCTIONS, "openai:/gpt-judge")
    monkeypatch.setenv("OPENAI_BASE_URL", server.openai_base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-env")
    assert judge(**ROW).value is True
    assert server.last_request.headers["authorization"] == "Bearer sk-from-env"


def test_scoring_a_traced_row_fills_in_the_trace(
    server: FakeLLMServer, script: Script, spanscope_traces: TraceCapture
) -> None:
    @spanscope.trace(name="support_bot")
    def support_bot(question: str) -> str:
        with spanscope.start_span("lookup", span_type="TOOL", inputs={"topic": "refunds"}):
            pass
        return "Refunds take 5 days."

    support_bot("How long do refunds take?")
    [app] = spanscope_traces.traces
    spanscope_traces.clear()

    judge = make_judge(
        "followed_steps",
        "Did the app look the policy up before answering? Steps: {{ trace }}",
        "openai:/gpt-judge",
        base_url=server.openai_base_url,
    )
    [feedback] = judge.score(inputs={"q": 1}, outputs="ignored", trace=app)
    assert feedback.trace_id == app.trace_id
    assert (feedback.name, feedback.value) == ("followed_steps", True)
    [body] = chat_bodies(server)
    assert "authorization" not in server.last_request.headers  # no key: none is sent
    steps = json.loads(body["messages"][1]["content"].split("Steps: ", 1)[1].split("\n\n")[0])
    assert steps == [
        {
            "name": "support_bot",
            "type": "UNKNOWN",
            "inputs": {"question": "How long do refunds take?"},
            "outputs": "Refunds take 5 days.",
            "children": [{"name": "lookup", "type": "TOOL", "inputs": {"topic": "refunds"}}],
        }
    ]
    # The judge's own trace names the judged trace rather than copying it.
    [own] = spanscope_traces.traces
    assert own.data.root is not None and own.data.root.inputs == {"trace": app.trace_id}
    assert own.info.metadata[TraceMetadataKey.JUDGED_TRACE_ID] == app.trace_id


# -- malformed replies and failures ----------------------------------------------------------


def test_a_malformed_reply_is_corrected(
    server: FakeLLMServer, script: Script, spanscope_traces: TraceCapture
) -> None:
    script.replies = ["It looks right to me.", verdict("pass", "matches")]
    feedback = openai_judge(server)(**ROW)
    assert (feedback.value, feedback.rationale) == (True, "matches")

    first, second = chat_bodies(server)
    assert second["messages"][:2] == first["messages"]
    # JSON mode: the fake wraps text that is not JSON, as a JSON-mode model would not.
    bad_reply = json.dumps({"reply": "It looks right to me."})
    assert second["messages"][2] == {"role": "assistant", "content": bad_reply}
    correction = second["messages"][3]
    assert correction["role"] == "user"
    assert correction["content"].startswith(
        'Your reply could not be used: the JSON object has no "result" key'
    )
    assert 'where "result" is true or false' in correction["content"]

    tree = span_tree(spanscope_traces.single(), values=False, events=False)
    assert [(c["name"], c["status"]) for c in tree[0]["children"]] == [
        ("chat gpt-judge", "OK"),
        ("chat gpt-judge", "OK"),
    ]


def test_replies_that_stay_malformed_end_in_an_error_feedback(
    server: FakeLLMServer, script: Script, spanscope_traces: TraceCapture
) -> None:
    script.replies = [verdict("maybe")]
    feedback = openai_judge(server, max_retries=1)(**ROW)
    assert error_code(feedback) == "MALFORMED_VERDICT"
    assert feedback.error is not None
    assert feedback.error.error_message == (
        "no usable verdict in 2 replies; the last: \"result\" must be true or false, got 'maybe'"
    )
    assert (feedback.name, feedback.source) == ("correct", JUDGE)
    assert len(chat_bodies(server)) == 2
    trace = spanscope_traces.single()
    assert feedback.metadata[M.JUDGE_TRACE_ID] == trace.trace_id
    tree = span_tree(trace, values=False)
    assert tree[0]["status"] == "ERROR"
    assert tree[0]["error"].startswith("JudgeFailure: no usable verdict")
    assert tree[0]["events"] == ["exception"]


def test_a_server_error_is_retried(
    server: FakeLLMServer, script: Script, spanscope_traces: TraceCapture
) -> None:
    server.fail_next(500)
    feedback = openai_judge(server)(**ROW)
    assert feedback.value is True
    assert len(chat_bodies(server)) == 2
    tree = span_tree(spanscope_traces.single(), values=False, events=False)
    assert tree[0]["status"] == "OK"
    assert [(c["status"], c.get("error", "")[:24]) for c in tree[0]["children"]] == [
        ("ERROR", "_Transient: HTTP 500: In"),
        ("OK", ""),
    ]


def test_a_rate_limit_is_retried(server: FakeLLMServer) -> None:
    server.fail_next(429, times=2)
    assert openai_judge(server)(**ROW).value is True
    assert len(chat_bodies(server)) == 3


def test_persistent_server_errors_end_in_an_error_feedback(
    server: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    server.fail_next(503, times=10)
    feedback = openai_judge(server, max_retries=2)(**ROW)
    assert error_code(feedback) == "JUDGE_CALL_FAILED"
    assert feedback.error is not None
    assert str(feedback.error.error_message).startswith(
        "openai:/gpt-judge failed 3 time(s); last: HTTP 503: Service unavailable"
    )
    assert len(chat_bodies(server)) == 3
    tree = span_tree(spanscope_traces.single(), values=False, events=False)
    assert tree[0]["status"] == "ERROR"
    assert [c["status"] for c in tree[0]["children"]] == ["ERROR"] * 3


def test_a_client_error_is_not_retried(server: FakeLLMServer) -> None:
    server.fail_next(401)
    feedback = openai_judge(server)(**ROW)
    assert error_code(feedback) == "JUDGE_CALL_FAILED"
    assert feedback.error is not None
    assert str(feedback.error.error_message).startswith(
        "openai:/gpt-judge: HTTP 401: Invalid API key"
    )
    assert len(chat_bodies(server)) == 1


def test_an_unreachable_endpoint_ends_in_an_error_feedback() -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    judge = make_judge("correct", INSTRUCTIONS, "openai:/m", base_url=f"http://127.0.0.1:{port}/v1")
    [feedback] = judge.score(**ROW)
    assert error_code(feedback) == "JUDGE_CALL_FAILED"
    assert "ConnectError" in str(feedback.error and feedback.error.error_message)


# -- other providers -------------------------------------------------------------------------


def test_an_anthropic_judge_uses_the_messages_api(
    server: FakeLLMServer,
    script: Script,
    spanscope_traces: TraceCapture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ANTHROPIC_BASE_URL", server.anthropic_base_url)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
    # Without JSON mode a model may wrap its verdict in prose and a code fence.
    script.replies = ['Here is my verdict:\n```json\n{"result": 4, "rationale": "close"}\n```']
    judge = make_judge(
        "score", "Rate {{ outputs }} from 1 to 5.", "anthropic:/claude-x", feedback_type=int
    )
    feedback = judge(outputs="Paris")
    assert (feedback.value, feedback.rationale) == (4, "close")

    request = server.last_request
    assert request.path == "/v1/messages"
    assert request.headers["x-api-key"] == "sk-ant-test"
    assert request.headers["anthropic-version"] == "2023-06-01"
    body = request.json
    assert body["model"] == "claude-x" and body["max_tokens"] == 1024
    assert '"rationale"' in body["system"]
    assert body["messages"] == [
        {
            "role": "user",
            "content": 'Rate Paris from 1 to 5.\n\nAnswer with a JSON object {"result": ..., '
            '"rationale": ...} where "result" is an integer.',
        }
    ]
    [llm] = spanscope_traces.single().search_spans(span_type="CHAT_MODEL")
    assert llm.get_attribute(K.GEN_AI_PROVIDER) == "anthropic"
    assert llm.get_attribute(K.GEN_AI_SYSTEM_INSTRUCTIONS) == [
        {"type": "text", "content": body["system"]}
    ]
    assert llm.get_attribute(K.GEN_AI_INPUT_TOKENS) == llm.outputs["usage"]["input_tokens"] > 0
    assert llm.get_attribute(K.GEN_AI_OUTPUT_TOKENS) == llm.outputs["usage"]["output_tokens"] > 0


def test_an_ollama_judge_uses_its_openai_compatible_api(
    server: FakeLLMServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OLLAMA_HOST", server.ollama_host.removeprefix("http://"))
    feedback = make_judge("j", "{{ outputs }}", "ollama:/llama3.2")(outputs="x")
    assert feedback.value is True
    assert server.last_request.path == "/v1/chat/completions"
    assert server.last_request.json["model"] == "llama3.2"


# -- feedback types ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("feedback_type", "result", "value"),
    [
        (bool, "No.", False),
        (bool, "FAIL", False),
        (bool, True, True),
        (int, "3", 3),
        (int, 2.0, 2),
        (float, "0.75", 0.75),
        (float, 1, 1.0),
        (str, " friendly ", "friendly"),
        (Literal["good", "bad"], "Good", "good"),
        (Literal[1, 2, 3], 2, 2),
    ],
)
def test_results_are_read_as_the_feedback_type(
    server: FakeLLMServer, script: Script, feedback_type: Any, result: Any, value: Any
) -> None:
    script.replies = [verdict(result)]
    judge = openai_judge(server, feedback_type=feedback_type)
    feedback = judge(**ROW)
    assert feedback.value == value and type(feedback.value) is type(value)


@pytest.mark.parametrize(
    ("feedback_type", "result", "wanted"),
    [
        (bool, "perhaps", "true or false"),
        (int, 2.5, "an integer"),
        (float, "high", "a number"),
        (str, 3, "a string"),
        (Literal["good", "bad"], "fine", 'one of "good", "bad"'),
    ],
)
def test_a_result_of_the_wrong_type_is_malformed(
    server: FakeLLMServer, script: Script, feedback_type: Any, result: Any, wanted: Any
) -> None:
    script.replies = [verdict(result)]
    judge = openai_judge(server, feedback_type=feedback_type, max_retries=0)
    feedback = judge(**ROW)
    assert error_code(feedback) == "MALFORMED_VERDICT"
    assert f'"result" must be {wanted}' in str(feedback.error and feedback.error.error_message)
    assert wanted in chat_bodies(server)[0]["messages"][0]["content"]


def test_with_tracing_off_a_judge_still_judges(server: FakeLLMServer) -> None:
    spanscope.tracing.disable()
    feedback = openai_judge(server)(**ROW)
    assert feedback.value is True
    assert feedback.metadata == {M.JUDGE_MODEL: "openai:/gpt-judge"}
