"""The real Haystack against the fake OpenAI server, with `spanscope.haystack.autolog()` on."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

import spanscope.haystack
from spanscope.testing.fake_llm.fixtures import fake_llm

# Read when Haystack is imported: its usage telemetry would post to the internet.
os.environ.setdefault("HAYSTACK_TELEMETRY_ENABLED", "False")

pytest.importorskip("haystack")

__all__ = ["fake_llm"]


@pytest.fixture
def _haystack_tracer() -> Iterator[None]:
    """Haystack's global tracer as it was before the test."""
    from haystack.tracing.tracer import tracer as proxy

    before = proxy.actual_tracer
    yield
    proxy.actual_tracer = before


@pytest.fixture(autouse=True)
def _autolog(_fresh_tracing: None, _haystack_tracer: None) -> None:
    # After the suite-wide reset (which gives the previous tracer back after the test).
    spanscope.haystack.autolog()
