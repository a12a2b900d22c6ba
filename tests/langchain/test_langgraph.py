"""LangGraph: the graph and its nodes as spans named by node, agents with a ToolNode."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import AIMessage
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import END, START, MessagesState, StateGraph
from langgraph.prebuilt import ToolNode, tools_condition
from langgraph.types import Command, interrupt
from typing_extensions import TypedDict

from spanscope.testing import TraceCapture
from tests.langchain.helpers import USAGE, add, chat, leaf, tree

CALL = {"name": "add", "args": {"a": 1, "b": 2}, "id": "call_1", "type": "tool_call"}
OPENAI_CALL = {
    "id": "call_1",
    "type": "function",
    "function": {"name": "add", "arguments": {"a": 1, "b": 2}},
}
USER = {"role": "user", "content": "1+2?"}
ASKS = {"role": "assistant", "content": "", "tool_calls": [OPENAI_CALL]}
TOOL_REPLY = {"role": "tool", "content": "3", "tool_call_id": "call_1", "name": "add"}
ANSWER = {"role": "assistant", "content": "3"}


def agent_graph(asynchronous: bool = False) -> Any:
    model = chat(AIMessage("", tool_calls=[CALL], usage_metadata=USAGE), "3")

    def agent(state: MessagesState) -> dict[str, Any]:
        return {"messages": [model.invoke(state["messages"])]}

    async def aagent(state: MessagesState) -> dict[str, Any]:
        return {"messages": [await model.ainvoke(state["messages"])]}

    graph = StateGraph(MessagesState)
    graph.add_node("agent", aagent if asynchronous else agent)
    graph.add_node("tools", ToolNode([add]))
    graph.add_edge(START, "agent")
    graph.add_conditional_edges("agent", tools_condition)
    graph.add_edge("tools", "agent")
    return graph.compile()


def agent_tree(inputs: Any) -> list[dict[str, Any]]:
    # LangGraph gives message ids to the state's messages; the tree shows them as they are.
    def agent_step(
        step: int, history: list[dict[str, Any]], reply: dict[str, Any], route: str
    ) -> Any:
        return leaf(
            "agent",
            "CHAIN",
            {"messages": history},
            {"messages": [reply]},
            attributes={"langgraph.step": step},
            children=[
                leaf("UsageChatModel", "CHAT_MODEL", history, reply),
                leaf("tools_condition", "CHAIN", {"messages": [*history, reply]}, route),
            ],
        )

    return [
        leaf(
            "LangGraph",
            "AGENT",
            inputs,
            {"messages": [USER, ASKS, TOOL_REPLY, ANSWER]},
            children=[
                agent_step(1, [USER], ASKS, "tools"),
                leaf(
                    "tools",
                    "TOOL",
                    {"messages": [USER, ASKS]},
                    {"messages": [TOOL_REPLY]},
                    attributes={"langgraph.step": 2},
                    children=[leaf("add", "TOOL", {"a": 1, "b": 2}, TOOL_REPLY)],
                ),
                agent_step(3, [USER, ASKS, TOOL_REPLY], ANSWER, "__end__"),
            ],
        )
    ]


def without_ids(value: Any) -> Any:
    """LangGraph adds random message ids (`id` next to `role`); drop them for comparison."""
    if isinstance(value, dict):
        return {k: without_ids(v) for k, v in value.items() if not (k == "id" and "role" in value)}
    if isinstance(value, list):
        return [without_ids(v) for v in value]
    return value


def graph_tree(traces: TraceCapture) -> Any:
    return without_ids(tree(traces.single(), "langgraph.step"))


def test_agent_graph(traces: TraceCapture) -> None:
    result = agent_graph().invoke({"messages": [("user", "1+2?")]})
    assert result["messages"][-1].content == "3"
    assert graph_tree(traces) == agent_tree({"messages": [["user", "1+2?"]]})
    assert traces.single().info.token_usage == {
        "input_tokens": 14,
        "output_tokens": 4,
        "total_tokens": 18,
    }


async def test_agent_graph_async(traces: TraceCapture) -> None:
    result = await agent_graph(asynchronous=True).ainvoke({"messages": [("user", "1+2?")]})
    assert result["messages"][-1].content == "3"
    assert graph_tree(traces) == agent_tree({"messages": [["user", "1+2?"]]})


def test_agent_graph_stream(traces: TraceCapture) -> None:
    updates = list(agent_graph().stream({"messages": [("user", "1+2?")]}))
    assert [list(update) for update in updates] == [["agent"], ["tools"], ["agent"]]
    assert graph_tree(traces) == agent_tree({"messages": [["user", "1+2?"]]})


async def test_agent_graph_astream(traces: TraceCapture) -> None:
    graph = agent_graph(asynchronous=True)
    updates = [update async for update in graph.astream({"messages": [("user", "1+2?")]})]
    assert [list(update) for update in updates] == [["agent"], ["tools"], ["agent"]]
    assert graph_tree(traces) == agent_tree({"messages": [["user", "1+2?"]]})


class Counter(TypedDict):
    n: int


def double(state: Counter) -> Counter:
    return {"n": state["n"] * 2}


def check(state: Counter) -> Counter:
    if state["n"] > 3:
        raise OverflowError(f"{state['n']} is too big")
    return state


def counter_graph(*nodes: Any) -> Any:
    graph = StateGraph(Counter)
    previous = START
    for node in nodes:
        graph.add_node(node)
        graph.add_edge(previous, node.__name__)
        previous = node.__name__
    graph.add_edge(previous, END)
    return graph


def test_a_graph_without_tools_is_a_chain(traces: TraceCapture) -> None:
    assert counter_graph(double).compile().invoke({"n": 1}) == {"n": 2}
    assert tree(traces.single()) == [
        leaf(
            "LangGraph",
            "CHAIN",
            {"n": 1},
            {"n": 2},
            children=[leaf("double", "CHAIN", {"n": 1}, {"n": 2})],
        )
    ]


def test_error_in_a_node(traces: TraceCapture) -> None:
    with pytest.raises(OverflowError, match="4 is too big"):
        counter_graph(double, check).compile().invoke({"n": 2})
    error = "OverflowError: 4 is too big"
    assert tree(traces.single()) == [
        leaf(
            "LangGraph",
            "CHAIN",
            {"n": 2},
            None,
            status="ERROR",
            error=error,
            events=["exception"],
            children=[
                leaf("double", "CHAIN", {"n": 2}, {"n": 4}),
                leaf(
                    "check",
                    "CHAIN",
                    {"n": 4},
                    None,
                    status="ERROR",
                    error=error,
                    events=["exception"],
                ),
            ],
        )
    ]


def approve(state: Counter) -> Counter:
    if not interrupt("double it?"):
        return state
    return double(state)


def test_an_interrupt_is_not_an_error(traces: TraceCapture) -> None:
    graph = counter_graph(approve).compile(checkpointer=InMemorySaver())
    config: Any = {"configurable": {"thread_id": "t-1"}}
    first = graph.invoke({"n": 2}, config)
    assert "__interrupt__" in first
    assert graph.invoke(Command(resume=True), config) == {"n": 4}
    paused, resumed = (tree(trace) for trace in traces.traces)
    assert [(n["status"], n["events"]) for n in (paused[0], paused[0]["children"][0])] == [
        ("OK", []),
        ("OK", ["GraphInterrupt"]),
    ]
    assert resumed[0]["outputs"] == {"n": 4}
