"""Chains: sequences, prompts, parsers, lambdas; invoke, batch, stream and their async twins."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest
from langchain_core.agents import AgentAction, AgentFinish
from langchain_core.callbacks import CallbackManagerForChainRun, dispatch_custom_event
from langchain_core.language_models.fake import FakeListLLM
from langchain_core.language_models.fake_chat_models import ParrotFakeChatModel
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import Runnable, RunnableLambda

import spanscope
from spanscope.testing import TraceCapture
from tests.langchain.helpers import chat, leaf, tree

SYSTEM = {"role": "system", "content": "Answer in one word."}
QUESTION = {"role": "user", "content": "Capital of France?"}
ANSWER = {"role": "assistant", "content": "Paris"}
PROMPT = ChatPromptTemplate.from_messages([("system", "Answer in one word."), ("user", "{q}")])


def qa_chain() -> Runnable[Any, str]:
    return PROMPT | chat("Paris") | StrOutputParser()


def qa_tree(chat_events: list[str] | None = None) -> dict[str, Any]:
    return leaf(
        "RunnableSequence",
        "CHAIN",
        {"q": "Capital of France?"},
        "Paris",
        children=[
            leaf("ChatPromptTemplate", "CHAIN", {"q": "Capital of France?"}, [SYSTEM, QUESTION]),
            leaf(
                "UsageChatModel",
                "CHAT_MODEL",
                [SYSTEM, QUESTION],
                ANSWER,
                events=chat_events or [],
            ),
            leaf("StrOutputParser", "PARSER", ANSWER, "Paris"),
        ],
    )


# Tokens of "Paris", then the usage chunk and LangChain's closing chunk.
STREAM_EVENTS = ["stream.chunk"] * 3


def test_invoke(traces: TraceCapture) -> None:
    assert qa_chain().invoke({"q": "Capital of France?"}) == "Paris"
    assert tree(traces.single()) == [qa_tree()]


async def test_ainvoke(traces: TraceCapture) -> None:
    assert await qa_chain().ainvoke({"q": "Capital of France?"}) == "Paris"
    assert tree(traces.single()) == [qa_tree()]


def test_stream(traces: TraceCapture) -> None:
    assert "".join(qa_chain().stream({"q": "Capital of France?"})) == "Paris"
    assert tree(traces.single()) == [qa_tree(STREAM_EVENTS)]


async def test_astream(traces: TraceCapture) -> None:
    chunks = [chunk async for chunk in qa_chain().astream({"q": "Capital of France?"})]
    assert "".join(chunks) == "Paris"
    assert tree(traces.single()) == [qa_tree(STREAM_EVENTS)]


async def test_astream_events(traces: TraceCapture) -> None:
    events = qa_chain().astream_events({"q": "Capital of France?"}, version="v2")
    names = [event["event"] async for event in events]
    assert names[0] == "on_chain_start" and names[-1] == "on_chain_end"
    assert tree(traces.single()) == [qa_tree(STREAM_EVENTS)]


def parrot_tree(question: str) -> dict[str, Any]:
    user = {"role": "user", "content": question}
    return leaf(
        "RunnableSequence",
        "CHAIN",
        {"q": question},
        question,
        children=[
            leaf("ChatPromptTemplate", "CHAIN", {"q": question}, [user]),
            leaf(
                "ParrotFakeChatModel", "CHAT_MODEL", [user], {"role": "user", "content": question}
            ),
            leaf("StrOutputParser", "PARSER", {"role": "user", "content": question}, question),
        ],
    )


def parrot_chain() -> Runnable[Any, str]:
    # The parrot answers with the last message: deterministic whichever thread runs first.
    prompt = ChatPromptTemplate.from_messages([("user", "{q}")])
    return prompt | ParrotFakeChatModel() | StrOutputParser()


def test_batch_gives_one_trace_per_input(traces: TraceCapture) -> None:
    assert parrot_chain().batch([{"q": "one"}, {"q": "two"}]) == ["one", "two"]
    trees = sorted((tree(t) for t in traces.traces), key=lambda t: t[0]["outputs"])
    assert trees == [[parrot_tree("one")], [parrot_tree("two")]]


async def test_abatch_gives_one_trace_per_input(traces: TraceCapture) -> None:
    assert await parrot_chain().abatch([{"q": "one"}, {"q": "two"}]) == ["one", "two"]
    trees = sorted((tree(t) for t in traces.traces), key=lambda t: t[0]["outputs"])
    assert trees == [[parrot_tree("one")], [parrot_tree("two")]]


def boom(text: str) -> str:
    raise ValueError(f"cannot handle {text!r}")


def test_error_inside_a_chain(traces: TraceCapture) -> None:
    chain = RunnableLambda(str.upper) | RunnableLambda(boom) | StrOutputParser()
    with pytest.raises(ValueError, match="cannot handle 'HI'"):
        chain.invoke("hi")
    error = "ValueError: cannot handle 'HI'"
    assert tree(traces.single()) == [
        leaf(
            "RunnableSequence",
            "CHAIN",
            "hi",
            None,
            status="ERROR",
            error=error,
            events=["exception"],
            children=[
                leaf("upper", "CHAIN", "hi", "HI"),
                leaf(
                    "boom", "CHAIN", "HI", None, status="ERROR", error=error, events=["exception"]
                ),
            ],
        )
    ]


async def test_async_error_inside_a_chain(traces: TraceCapture) -> None:
    with pytest.raises(ValueError, match="cannot handle 'hi'"):
        await (RunnableLambda(boom) | StrOutputParser()).ainvoke("hi")
    (root,) = tree(traces.single())
    assert (root["status"], [c["status"] for c in root["children"]]) == ("ERROR", ["ERROR"])
    assert root["children"][0]["error"] == "ValueError: cannot handle 'hi'"


@spanscope.trace(span_type="TOOL")
def shout(text: str) -> str:
    return text.upper() + "!"


def test_runs_nest_under_the_user_span_and_user_spans_nest_under_runs(
    traces: TraceCapture,
) -> None:
    @spanscope.trace(span_type="AGENT")
    def bot(text: str) -> str:
        shouting: RunnableLambda[str, str] = RunnableLambda(lambda t: shout(t))
        return shouting.invoke(text)

    assert bot("hi") == "HI!"
    assert tree(traces.single()) == [
        leaf(
            "bot",
            "AGENT",
            {"text": "hi"},
            "HI!",
            children=[
                leaf(
                    "RunnableLambda",
                    "CHAIN",
                    "hi",
                    "HI!",
                    children=[leaf("shout", "TOOL", {"text": "hi"}, "HI!")],
                )
            ],
        )
    ]


async def test_async_nesting(traces: TraceCapture) -> None:
    async def ashout(text: str) -> str:
        await asyncio.sleep(0)
        return shout(text)

    @spanscope.trace(span_type="AGENT")
    async def bot(text: str) -> str:
        return await RunnableLambda(ashout).ainvoke(text)

    assert await bot("hi") == "HI!"
    assert tree(traces.single()) == [
        leaf(
            "bot",
            "AGENT",
            {"text": "hi"},
            "HI!",
            children=[
                leaf(
                    "ashout",
                    "CHAIN",
                    "hi",
                    "HI!",
                    children=[leaf("shout", "TOOL", {"text": "hi"}, "HI!")],
                )
            ],
        )
    ]


def test_run_name_tags_and_metadata(traces: TraceCapture) -> None:
    config: Any = {"run_name": "qa", "tags": ["prod"], "metadata": {"user": "u-1"}}
    RunnableLambda(str.upper).invoke("hi", config=config)
    assert tree(traces.single(), "langchain.tags", "langchain.metadata") == [
        leaf(
            "qa",
            "CHAIN",
            "hi",
            "HI",
            attributes={"langchain.tags": ["prod"], "langchain.metadata": {"user": "u-1"}},
        )
    ]


def test_agent_actions_and_custom_events(traces: TraceCapture) -> None:
    def plan(question: str, run_manager: CallbackManagerForChainRun) -> int:
        dispatch_custom_event("progress", {"step": 1})
        run_manager.on_agent_action(AgentAction("add", {"a": 1, "b": 2}, "I add."))
        run_manager.on_agent_finish(AgentFinish({"output": 3}, "Done."))
        return 3

    assert RunnableLambda(plan).invoke("1+2?") == 3
    (root,) = traces.single().data.spans
    assert root.span_type == "AGENT"
    assert [(e.name, e.attributes) for e in root.events] == [
        ("progress", {"data": {"step": 1}}),
        ("agent_action", {"tool": "add", "tool_input": {"a": 1, "b": 2}, "log": "I add."}),
        ("agent_finish", {"return_values": {"output": 3}, "log": "Done."}),
    ]


def test_text_llm(traces: TraceCapture) -> None:
    assert FakeListLLM(responses=["Paris"]).invoke("Capital of France?") == "Paris"
    keys = ("gen_ai.operation.name", "gen_ai.input.messages", "gen_ai.output.messages")
    assert tree(traces.single(), *keys) == [
        leaf(
            "FakeListLLM",
            "LLM",
            "Capital of France?",
            {"role": "assistant", "content": "Paris"},
            attributes={
                "gen_ai.operation.name": "text_completion",
                "gen_ai.input.messages": [
                    {"role": "user", "parts": [{"type": "text", "content": "Capital of France?"}]}
                ],
                "gen_ai.output.messages": [
                    {"role": "assistant", "parts": [{"type": "text", "content": "Paris"}]}
                ],
            },
        )
    ]


def test_runs_in_a_plain_thread_are_traced(traces: TraceCapture) -> None:
    # A plain Thread starts with an empty context: the handler is found as the var's default.
    results: list[str] = []
    question = {"q": "Capital of France?"}
    thread = threading.Thread(target=lambda: results.append(qa_chain().invoke(question)))
    thread.start()
    thread.join()
    assert results == ["Paris"]
    assert tree(traces.single()) == [qa_tree()]


def test_a_chain_stream_abandoned_early_ends_ok(traces: TraceCapture) -> None:
    chain = PROMPT | chat("Paris is nice") | StrOutputParser()
    for _chunk in chain.stream({"q": "Capital of France?"}):
        break
    (root,) = tree(traces.single())
    assert (root["status"], root["events"], [c["status"] for c in root["children"]]) == (
        "OK",
        [],
        ["OK", "OK", "OK"],
    )
    assert spanscope.get_current_active_span() is None


def test_runs_langchain_hides_are_not_traced(traces: TraceCapture) -> None:
    plumbing = RunnableLambda(str.strip).with_config(tags=["langsmith:hidden"])
    assert (RunnableLambda(str.upper) | plumbing).invoke(" hi ") == "HI"
    assert tree(traces.single()) == [
        leaf(
            "RunnableSequence",
            "CHAIN",
            " hi ",
            "HI",
            children=[leaf("upper", "CHAIN", " hi ", " HI ")],
        )
    ]


async def test_runs_after_an_abandoned_async_stream_are_whole(traces: TraceCapture) -> None:
    chain = PROMPT | chat("Paris is nice", "Paris") | StrOutputParser()
    async for _chunk in chain.astream({"q": "Capital of France?"}):
        break  # the generator is closed later, by a finaliser task in another context
    await asyncio.sleep(0.01)
    assert await qa_chain().ainvoke({"q": "Capital of France?"}) == "Paris"
    abandoned, whole = (tree(trace) for trace in traces.traces)
    assert [child["name"] for child in abandoned[0]["children"]] == [
        "ChatPromptTemplate",
        "UsageChatModel",
        "StrOutputParser",
    ]
    assert whole == [qa_tree()]
    assert spanscope.tracing.stats().spans_dropped_late == 0


def test_batch_under_a_user_span(traces: TraceCapture) -> None:
    @spanscope.trace
    def both() -> list[str]:
        return parrot_chain().batch([{"q": "one"}, {"q": "two"}])

    assert both() == ["one", "two"]
    (root,) = tree(traces.single())
    assert sorted(root["children"], key=lambda node: node["outputs"]) == [
        parrot_tree("one"),
        parrot_tree("two"),
    ]


def test_a_chain_called_from_a_user_span_inside_a_run_nests_under_it(
    traces: TraceCapture,
) -> None:
    @spanscope.trace(span_type="TOOL")
    def lookup(text: str) -> str:
        return RunnableLambda(str.upper).invoke(text)

    assert RunnableLambda(lookup, name="outer").invoke("hi") == "HI"
    assert tree(traces.single()) == [
        leaf(
            "outer",
            "CHAIN",
            "hi",
            "HI",
            children=[
                leaf(
                    "lookup",
                    "TOOL",
                    {"text": "hi"},
                    "HI",
                    children=[leaf("upper", "CHAIN", "hi", "HI")],
                )
            ],
        )
    ]
