"""Offline fakes and tree helpers shared by the LangChain tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.documents import Document
from langchain_core.embeddings.fake import DeterministicFakeEmbedding
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGenerationChunk
from langchain_core.retrievers import BaseRetriever
from langchain_core.tools import tool
from langchain_core.utils.function_calling import convert_to_openai_tool
from langchain_core.vectorstores import InMemoryVectorStore

from spanscope.entities.trace import Trace
from spanscope.testing import span_tree

USAGE = {"input_tokens": 7, "output_tokens": 2, "total_tokens": 9}


class UsageChatModel(GenericFakeChatModel):
    """GenericFakeChatModel that streams usage in a last chunk, as real providers do, and
    binds tools the way provider models do (OpenAI-format definitions as call kwargs)."""

    usage: dict[str, int] = USAGE

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        yield from super()._stream(messages, stop, run_manager, **kwargs)
        usage: Any = self.usage
        yield ChatGenerationChunk(message=AIMessageChunk(content="", usage_metadata=usage))

    def bind_tools(self, tools: Any, **kwargs: Any) -> Any:
        return self.bind(tools=[convert_to_openai_tool(t) for t in tools], **kwargs)


def chat(*replies: str | AIMessage) -> UsageChatModel:
    messages = [
        r if isinstance(r, AIMessage) else AIMessage(r, usage_metadata=USAGE) for r in replies
    ]
    return UsageChatModel(messages=iter(messages))


@tool
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


@tool
def divide(a: int, b: int) -> float:
    """Divide a by b."""
    return a / b


def retriever(k: int = 1) -> BaseRetriever:
    store = InMemoryVectorStore(DeterministicFakeEmbedding(size=8))
    store.add_documents(
        [
            Document("Paris is the capital of France.", metadata={"source": "fr.txt"}, id="fr"),
            Document("Rome is the capital of Italy.", metadata={"source": "it.txt"}, id="it"),
        ]
    )
    return store.as_retriever(search_kwargs={"k": k})


def tree(trace: Trace, *keys: str, events: bool = True) -> list[dict[str, Any]]:
    """span_tree with the given attribute keys, leaving out keys a span does not have."""
    nodes = span_tree(trace, attributes=list(keys), events=events)
    for node in _walk(nodes):
        if keys:
            kept = {k: v for k, v in node.pop("attributes").items() if v is not None}
            if kept:
                node["attributes"] = kept
    return nodes


def _walk(nodes: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for node in nodes:
        yield node
        yield from _walk(node["children"])


def leaf(name: str, span_type: str, inputs: Any, outputs: Any, **extra: Any) -> dict[str, Any]:
    """A tree node: status OK, no events, no children unless given."""
    node: dict[str, Any] = {
        "name": name,
        "span_type": span_type,
        "status": "OK",
        "inputs": inputs,
        "outputs": outputs,
        "events": [],
        "children": [],
    }
    node.update(extra)
    return node
