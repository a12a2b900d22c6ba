"""A question over a small vector index with LlamaIndex: embed, retrieve, synthesize.

LlamaIndex's OpenAI LLM talks HTTP to spanscope's fake OpenAI server on 127.0.0.1 and its mock
embeddings stand in for an embedding model, so no key and no network are needed.
Run: `python examples/llama_index_query.py` (part of `make demo`).
"""

from __future__ import annotations

from llama_index.core import Document, Settings, VectorStoreIndex
from llama_index.core.embeddings import MockEmbedding
from llama_index.llms.openai import OpenAI

import spanscope
from spanscope.testing.fake_llm import FakeLLMServer

RELEASE_NOTES = [
    Document(text="Version 2.0 adds dark mode and offline sync.", doc_id="notes-2.0"),
    Document(text="Version 2.1 fixes a crash when exporting large reports.", doc_id="notes-2.1"),
    Document(text="Version 2.2 speeds up search by a factor of three.", doc_id="notes-2.2"),
]


def main() -> None:
    spanscope.llama_index.autolog()
    Settings.embed_model = MockEmbedding(embed_dim=16)  # offline stand-in for real embeddings
    index = VectorStoreIndex.from_documents(RELEASE_NOTES)
    with FakeLLMServer(reply="Dark mode arrived in version 2.0.") as server:
        llm = OpenAI(model="gpt-4o-mini", api_base=server.openai_base_url, api_key="sk-fake")
        engine = index.as_query_engine(llm=llm, similarity_top_k=2)
        answer = engine.query("Which version added dark mode?")
    print(f"answer: {answer}\n")
    print(spanscope.get_trace(spanscope.get_last_active_trace_id()).to_text())


if __name__ == "__main__":
    main()
