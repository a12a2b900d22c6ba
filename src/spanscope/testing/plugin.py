"""The pytest plugin (entry point `pytest11`): the `spanscope_traces` fixture."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from spanscope.testing.fake_llm.fixtures import fake_llm

__all__ = ["fake_llm", "spanscope_traces"]

if TYPE_CHECKING:
    from spanscope.testing.capture import TraceCapture


@pytest.fixture
def spanscope_traces() -> Iterator[TraceCapture]:
    """Captures the traces exported during the test: `spanscope_traces.traces`."""
    from spanscope.testing.capture import capture_traces  # keeps pytest start-up light

    with capture_traces() as captured:
        yield captured
