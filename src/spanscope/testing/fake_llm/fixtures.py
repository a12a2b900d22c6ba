"""The `fake_llm` pytest fixture: one fake provider server for the whole test session."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from spanscope.testing.fake_llm.server import FakeLLMServer

__all__ = ["fake_llm"]


@pytest.fixture(scope="session")
def fake_llm() -> Iterator[FakeLLMServer]:
    """A running FakeLLMServer shared by the session (`fake_llm.reset()` forgets requests)."""
    from spanscope.testing.fake_llm.server import FakeLLMServer  # only when a test asks

    with FakeLLMServer() as server:
        yield server
