"""The real LlamaIndex with its offline mock models, with `spanscope.llama_index.autolog()` on."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import spanscope.llama_index

pytest.importorskip("llama_index.core")

from llama_index.core import Settings
from llama_index.core.embeddings import MockEmbedding
from llama_index.core.llms import MockLLM


@pytest.fixture(autouse=True)
def _autolog(_fresh_tracing: None) -> None:
    # After the suite-wide reset (which reverts the registration again after the test).
    spanscope.llama_index.autolog()


@pytest.fixture(autouse=True)
def _offline_models() -> Iterator[None]:
    # Settings.llm / embed_model default to OpenAI (a key and the network): mocks instead.
    previous = Settings._llm, Settings._embed_model
    Settings.llm = MockLLM(max_tokens=4)
    Settings.embed_model = MockEmbedding(embed_dim=4)
    yield
    Settings._llm, Settings._embed_model = previous
