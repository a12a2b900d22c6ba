"""Tools and retrievers: inputs, outputs in the retriever schema, errors, sync and async."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import RunnablePassthrough

from spanscope.testing import TraceCapture
from tests.langchain.helpers import add, chat, divide, leaf, retriever, tree


def test_tool(traces: TraceCapture) -> None:
    assert add.invoke({"a": 1, "b": 2}) == 3
    assert tree(traces.single()) == [leaf("add", "TOOL", {"a": 1, "b": 2}, 3)]


async def test_tool_call_async(traces: TraceCapture) -> None:
    call = {"name": "add", "args": {"a": 1, "b": 2}, "id": "call_1", "type": "tool_call"}
    message = await add.ainvoke(call)
    assert message.content == "3"
    reply = {"role": "tool", "content": "3", "tool_call_id": "call_1", "name": "add"}
    assert tree(traces.single()) == [leaf("add", "TOOL", {"a": 1, "b": 2}, reply)]


def test_tool_error(traces: TraceCapture) -> None:
    with pytest.raises(ZeroDivisionError):
        divide.invoke({"a": 1, "b": 0})
    assert tree(traces.single()) == [
        leaf(
            "divide",
            "TOOL",
            {"a": 1, "b": 0},
            None,
            status="ERROR",
            error="ZeroDivisionError: division by zero",
            events=["exception"],
        )
    ]


def schema(document: Document) -> dict[str, Any]:
    source = document.metadata["source"]
    return {
        "page_content": document.page_content,
        "metadata": {"source": source, "doc_uri": source},
        "id": document.id,
    }


def test_retriever_outputs_follow_the_retriever_schema(traces: TraceCapture) -> None:
    documents = retriever(k=2).invoke("capital of France")
    assert len(documents) == 2
    assert tree(traces.single()) == [
        leaf(
            "VectorStoreRetriever",
            "RETRIEVER",
            {"query": "capital of France"},
            [schema(d) for d in documents],
        )
    ]


async def test_retriever_async(traces: TraceCapture) -> None:
    documents = await retriever().ainvoke("capital of France")
    assert tree(traces.single()) == [
        leaf(
            "VectorStoreRetriever",
            "RETRIEVER",
            {"query": "capital of France"},
            [schema(d) for d in documents],
        )
    ]


class BrokenRetriever(BaseRetriever):
    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        raise ConnectionError("index offline")


def test_retriever_error(traces: TraceCapture) -> None:
    with pytest.raises(ConnectionError, match="index offline"):
        BrokenRetriever().invoke("anything")
    assert tree(traces.single()) == [
        leaf(
            "BrokenRetriever",
            "RETRIEVER",
            {"query": "anything"},
            None,
            status="ERROR",
            error="ConnectionError: index offline",
            events=["exception"],
        )
    ]


def test_rag_chain(traces: TraceCapture) -> None:
    prompt = ChatPromptTemplate.from_messages([("user", "{context}\n\n{question}")])
    chain = (
        {"context": retriever(), "question": RunnablePassthrough()}
        | prompt
        | chat("Paris")
        | StrOutputParser()
    )
    assert chain.invoke("capital of France") == "Paris"
    (document,) = retriever().invoke("capital of France")
    context = [schema(document)]
    question = "capital of France"
    user = {"role": "user", "content": f"[{document!r}]\n\n{question}"}
    branches = {"context": context, "question": question}
    (root,) = tree(traces.traces[0])
    parallel = root["children"][0]
    parallel["children"].sort(key=lambda node: node["name"])  # the branches run in threads
    assert root == leaf(
        "RunnableSequence",
        "CHAIN",
        question,
        "Paris",
        children=[
            leaf(
                "RunnableParallel<context,question>",
                "CHAIN",
                question,
                branches,
                children=[
                    leaf("RunnablePassthrough", "CHAIN", question, question),
                    leaf("VectorStoreRetriever", "RETRIEVER", {"query": question}, context),
                ],
            ),
            leaf("ChatPromptTemplate", "CHAIN", branches, [user]),
            leaf("UsageChatModel", "CHAT_MODEL", [user], {"role": "assistant", "content": "Paris"}),
            leaf("StrOutputParser", "PARSER", {"role": "assistant", "content": "Paris"}, "Paris"),
        ],
    )
