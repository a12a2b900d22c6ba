"""The real smolagents with its OpenAI model class against the fake OpenAI server, with
`spanscope.smolagents.autolog()` on."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import spanscope.smolagents
from spanscope.testing.fake_llm.fixtures import fake_llm

pytest.importorskip("smolagents")
pytest.importorskip("openai")

__all__ = ["fake_llm"]


@pytest.fixture(autouse=True)
def _autolog(_fresh_tracing: None) -> None:
    # After the suite-wide reset (which reverts it again after the test).
    spanscope.smolagents.autolog()


@pytest.fixture(autouse=True)
def _close_models() -> Iterator[None]:
    from tests.smolagents.helpers import MODELS

    yield
    while MODELS:
        MODELS.pop().client.close()
