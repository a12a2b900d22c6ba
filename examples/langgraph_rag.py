"""A retrieval-augmented answer as a LangGraph graph: retrieve documents, then generate.

LangChain's own offline fake chat model stands in for the LLM, so no key and no network are
needed. Run: `python examples/langgraph_rag.py` (part of `make demo`).
"""

from __future__ import annotations

from typing import TypedDict

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.retrievers import BaseRetriever
from langgraph.graph import END, START, StateGraph

import spanscope

HANDBOOK = [
    Document(
        "Employees get 25 days of paid leave per year.",
        metadata={"doc_uri": "handbook/leave.md", "chunk_id": "leave-1"},
        id="leave-1",
    ),
    Document(
        "Unused leave days carry over until March 31 of the next year.",
        metadata={"doc_uri": "handbook/leave.md", "chunk_id": "leave-2"},
        id="leave-2",
    ),
    Document(
        "Expenses are reimbursed within 10 days of approval.",
        metadata={"doc_uri": "handbook/expenses.md", "chunk_id": "expenses-1"},
        id="expenses-1",
    ),
]


class KeywordRetriever(BaseRetriever):
    """Documents sharing a word of four letters or more with the query."""

    documents: list[Document]

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        words = {word.strip("?.,").lower() for word in query.split() if len(word) > 3}
        return [
            doc
            for doc in self.documents
            if words & {w.strip(".,").lower() for w in doc.page_content.split()}
        ]


class State(TypedDict, total=False):
    question: str
    documents: list[Document]
    answer: str


retriever = KeywordRetriever(documents=HANDBOOK)
prompt = ChatPromptTemplate.from_messages(
    [("system", "Answer from the context only.\n\nContext:\n{context}"), ("user", "{question}")]
)
usage = {"input_tokens": 48, "output_tokens": 17, "total_tokens": 65}
model = GenericFakeChatModel(
    messages=iter(
        [AIMessage("You get 25 days; unused days carry over until March 31.", usage_metadata=usage)]
    )
)
generator = prompt | model | StrOutputParser()


def retrieve(state: State) -> State:
    return {"documents": retriever.invoke(state["question"])}


def generate(state: State) -> State:
    context = "\n".join(doc.page_content for doc in state["documents"])
    return {"answer": generator.invoke({"context": context, "question": state["question"]})}


graph = StateGraph(State)
graph.add_node("retrieve", retrieve)
graph.add_node("generate", generate)
graph.add_edge(START, "retrieve")
graph.add_edge("retrieve", "generate")
graph.add_edge("generate", END)
rag = graph.compile()


def main() -> None:
    spanscope.langchain.autolog()
    result = rag.invoke(
        {"question": "How many leave days do I get, and do unused days carry over?"}
    )
    print(f"answer: {result['answer']}\n")
    print(spanscope.get_trace(spanscope.get_last_active_trace_id()).to_text())


if __name__ == "__main__":
    main()
