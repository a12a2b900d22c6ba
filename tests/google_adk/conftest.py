"""The real Google ADK with its Gemini model against the fake Gemini server, with
`spanscope.google_adk.autolog()` on."""

from __future__ import annotations

import pytest

import spanscope.google_adk
from spanscope.testing.fake_llm.fixtures import fake_llm

pytest.importorskip("google.adk")

__all__ = ["fake_llm"]


@pytest.fixture(autouse=True)
def _autolog(_fresh_tracing: None) -> None:
    # After the suite-wide reset (which reverts it again after the test).
    spanscope.google_adk.autolog()
