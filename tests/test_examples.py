"""Every example runs offline and exits 0; `make demo`'s seeding fills the demo experiment.

The examples run once per session, through the demo's own seeding function, into a temporary
store; the tests then read their output and the traces they stored.
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from examples import demo

import spanscope
from spanscope.entities import Trace

SCRIPTS = demo.example_scripts()
# The first test waits for the module's seeding: every example in its own interpreter (a
# minute or two on a quiet machine, more on a loaded one).
pytestmark = pytest.mark.timeout(900)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> demo.SeedResult:
    return demo.seed(tmp_path_factory.mktemp("demo") / "demo.db")


@pytest.fixture(autouse=True)
def _demo_store(request: pytest.FixtureRequest) -> None:
    # Each test starts with a reset runtime (conftest): point the fluent API at the demo store.
    if "seeded" in request.fixturenames:
        spanscope.set_tracking_uri(request.getfixturevalue("seeded").tracking_uri)


@pytest.fixture(scope="module")
def demo_traces(seeded: demo.SeedResult) -> list[Trace]:
    spanscope.set_tracking_uri(seeded.tracking_uri)
    return list(spanscope.search_traces([seeded.experiment_id], max_results=1000))


def _run(seeded: demo.SeedResult, name: str) -> demo.ExampleRun:
    return next(run for run in seeded.runs if run.path.name == name)


def test_every_example_is_seeded() -> None:
    names = {path.name for path in SCRIPTS}
    assert "demo.py" not in names
    assert {
        "anthropic_tools.py",
        "autogen_team.py",
        "bedrock_converse.py",
        "chat_session.py",
        "cohere_chat.py",
        "crewai_crew.py",
        "dspy_program.py",
        "evaluation.py",
        "failing_tool.py",
        "feedback.py",
        "google_adk_agent.py",
        "google_genai_chat.py",
        "groq_chat.py",
        "haystack_rag.py",
        "langgraph_rag.py",
        "litellm_completion.py",
        "llama_index_query.py",
        "mcp_tools.py",
        "mistral_chat.py",
        "ollama_chat.py",
        "openai_agent.py",
        "openai_agents_triage.py",
        "pydantic_ai_agent.py",
        "quickstart.py",
        "semantic_kernel_plugin.py",
        "smolagents_agent.py",
        "strands_agent.py",
    } <= names


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: p.stem)
def test_example_runs_and_prints_its_trace(seeded: demo.SeedResult, path: Path) -> None:
    run = _run(seeded, path.name)
    assert run.ok, f"{path.name} exited with {run.returncode}:\n{run.stderr[-4000:]}"
    assert "\nTrace " in run.stdout and "└── " in run.stdout


def test_example_outputs(seeded: demo.SeedResult) -> None:
    assert "answer: It is sunny and 21 °C in Paris." in _run(seeded, "anthropic_tools.py").stdout
    assert "answer: Your order A-1001 has shipped." in _run(seeded, "openai_agent.py").stdout
    mcp = _run(seeded, "mcp_tools.py").stdout
    assert "forecast: Lisbon: sunny for 3 day(s)" in mcp
    assert "tools/call book_hotel [TOOL]" in mcp and "booking failed: True" in mcp
    pydantic_ai = _run(seeded, "pydantic_ai_agent.py").stdout
    assert "streamed: Your order A-1001 has shipped." in pydantic_ai
    assert "execute_tool order_status [TOOL]" in pydantic_ai
    gemini = _run(seeded, "google_genai_chat.py").stdout
    assert "tomorrow: Tomorrow brings light rain in Paris: pack an umbrella." in gemini
    assert "get_weather [TOOL]" in gemini
    cohere = _run(seeded, "cohere_chat.py").stdout
    assert "answer: It is sunny and 21 °C in Paris; the Louvre" in cohere
    assert "cohere.ClientV2.rerank [RERANKER]" in cohere and "get_weather [TOOL]" in cohere
    assert "answer: It is sunny and 21 °C in Lisbon." in _run(seeded, "bedrock_converse.py").stdout
    haystack = _run(seeded, "haystack_rag.py").stdout
    assert "agent: It is sunny in Paris." in haystack
    assert "get_weather [TOOL]" in haystack and "retriever [RETRIEVER]" in haystack
    assert "answer: Good morning, everyone." in _run(seeded, "groq_chat.py").stdout
    mistral = _run(seeded, "mistral_chat.py").stdout
    assert "answer: The tool returned: It is sunny and 21 °C in Paris." in mistral
    assert "'total_tokens': 54" in _run(seeded, "quickstart.py").stdout
    strands = _run(seeded, "strands_agent.py").stdout
    assert "tomorrow: Tomorrow stays sunny in Paris: no umbrella needed." in strands
    assert "get_weather [TOOL]" in strands
    adk = _run(seeded, "google_adk_agent.py").stdout
    assert "tomorrow: Tomorrow stays sunny in Paris: no umbrella needed." in adk
    assert "weather_agent [AGENT]" in adk and "get_weather [TOOL]" in adk
    assert "handoff to Billing [CHAIN]" in _run(seeded, "openai_agents_triage.py").stdout
    team = _run(seeded, "autogen_team.py").stdout
    assert "answer: Paris: sunny and 21 °C, a fine day for a walk." in team
    assert "├── forecaster [AGENT]" in team and "get_weather [TOOL]" in team
    crew = _run(seeded, "crewai_crew.py").stdout
    assert "packing: Pack sunglasses and a light jacket." in crew
    assert "trip crew [CHAIN]" in crew and "get_weather [TOOL]" in crew
    smol = _run(seeded, "smolagents_agent.py").stdout
    assert "lyon: In Lyon it is light rain and 14 °C: take an umbrella." in smol
    assert "python_interpreter [TOOL]" in smol and "get_weather [TOOL]" in smol
    kernel = _run(seeded, "semantic_kernel_plugin.py").stdout
    assert "packing: Pack sunglasses." in kernel and "weather-get_weather [TOOL]" in kernel
    failing = _run(seeded, "failing_tool.py").stdout
    assert "ERROR InvoiceNotFoundError: no invoice 'INV-4040' in the ledger" in failing
    assert ": 3 traces" in _run(seeded, "chat_session.py").stdout


def test_demo_experiment_holds_every_kind_of_span(
    seeded: demo.SeedResult, demo_traces: list[Trace]
) -> None:
    experiment = spanscope.get_experiment(seeded.experiment_id)
    assert experiment.name == demo.EXPERIMENT_NAME
    roots = {t.info.name for t in demo_traces}
    assert {"weather_bot", "faq_bot", "translator", "LangGraph", "ReAct"} <= roots
    assert {"RetrieverQueryEngine.query", "billing_agent", "travel_chat", "trip_planner"} <= roots
    span_types = {span.span_type for t in demo_traces for span in t.spans}
    assert {"CHAT_MODEL", "TOOL", "RETRIEVER", "AGENT", "CHAIN", "EMBEDDING"} <= span_types
    for trace in demo_traces:
        for span in trace.search_spans(span_type="RETRIEVER"):
            assert span.outputs and all("page_content" in doc for doc in span.outputs)


def test_demo_has_an_error_trace_with_a_stack_trace(demo_traces: list[Trace]) -> None:
    (failed,) = [t for t in demo_traces if t.info.state.value == "ERROR"]
    (tool,) = failed.search_spans(name="get_invoice")
    (event,) = [e for e in tool.events if e.name == "exception"]
    assert event.attributes["exception.type"] == "InvoiceNotFoundError"
    assert "in _load_invoice" in event.attributes["exception.stacktrace"]


def test_demo_has_a_conversation(seeded: demo.SeedResult, demo_traces: list[Trace]) -> None:
    turns = [t for t in demo_traces if t.info.name == "travel_chat"]
    assert len(turns) == 3
    assert len({t.info.session_id for t in turns}) == 1
    assert {t.info.user_id for t in turns} == {"user-ana"}
    sessions = {s.session_id: s for s in spanscope.search_sessions([seeded.experiment_id])}
    assert sessions[str(turns[0].info.session_id)].trace_count == 3


def test_demo_holds_human_and_code_feedback(
    seeded: demo.SeedResult, demo_traces: list[Trace]
) -> None:
    judged = [t for t in demo_traces if t.info.name == "support_faq"]
    assert len(judged) == 3
    sources = {a.source.to_dict()["source_type"] for t in judged for a in t.info.assessments}
    assert sources == {"HUMAN", "CODE"}
    liked = spanscope.search_traces(
        [seeded.experiment_id], filter_string="feedback.user_satisfaction = true"
    )
    assert len(liked) == 3
    (corrected,) = [t for t in judged if not all(a.valid for a in t.info.assessments)]
    assert [a.value for a in corrected.info.assessments if a.name == "user_satisfaction"] == [
        False,
        True,
    ]
    assert "traces with a thumbs up: 3 of 3" in _run(seeded, "feedback.py").stdout


def test_seeding_starts_from_a_fresh_store(tmp_path: Path) -> None:
    quickstart = [demo.EXAMPLES_DIR / "quickstart.py"]
    first = demo.seed(tmp_path / "demo.db", quickstart)
    second = demo.seed(tmp_path / "demo.db", quickstart)
    assert not first.failed and not second.failed
    spanscope.set_tracking_uri(second.tracking_uri)
    assert len(spanscope.search_traces([second.experiment_id])) == 1
    assert len(spanscope.search_experiments(name_like=demo.EXPERIMENT_NAME)) == 1


def test_free_port_moves_on_when_the_port_is_taken(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        chosen = demo.free_port("127.0.0.1", port)
    assert chosen != port
    assert f"Port {port} on 127.0.0.1 is taken" in capsys.readouterr().out


def test_demo_holds_a_dataset_and_two_runs_to_compare(seeded: demo.SeedResult) -> None:
    from spanscope.store.uri import get_store

    assert "regressed in v2: ['When do orders ship?']" in _run(seeded, "evaluation.py").stdout
    store = get_store()
    (dataset,) = store.search_datasets(seeded.experiment_id)
    assert (dataset.name, dataset.version, dataset.record_count) == ("faq-questions", 1, 4)
    newer, older = store.search_evaluation_runs(seeded.experiment_id)
    assert (older.name, newer.name) == ("faq-bot v1", "faq-bot v2")
    assert {run.dataset_version for run in (older, newer)} == {1}
    assert older.metrics["states_fact"].pass_rate == 1.0
    assert newer.metrics["states_fact"].pass_rate == 0.75
    # The judge agreed with the code scorer, through the fake model server.
    assert newer.metrics["answers_question"].pass_rate == 0.75
    assert {s.kind for s in newer.scorers} == {"CODE", "LLM_JUDGE"}
