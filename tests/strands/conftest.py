"""The real Strands Agents SDK with its OpenAI model against the fake OpenAI server, with
`spanscope.strands.autolog()` on."""

from __future__ import annotations

import pytest

import spanscope.strands
from spanscope.testing.fake_llm.fixtures import fake_llm

pytest.importorskip("strands")
pytest.importorskip("openai")

__all__ = ["fake_llm"]


@pytest.fixture(autouse=True)
def _autolog(_fresh_tracing: None) -> None:
    # After the suite-wide reset (which reverts it again after the test).
    spanscope.strands.autolog()
