"""Tracing never breaks the user's program: faults injected into spanscope's own code paths."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

import spanscope
from spanscope.testing import TraceCapture, strict_mode
from spanscope.tracing import processor


def _broken_span_id() -> str:
    raise RuntimeError("injected fault")


@spanscope.trace
def double(x: int) -> int:
    return x * 2


@spanscope.trace
def count(n: int) -> Iterator[int]:
    yield from range(n)


@spanscope.trace
async def triple(x: int) -> int:
    return x * 3


@pytest.mark.internal_errors
async def test_internal_fault_leaves_user_calls_untouched(
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    spanscope_traces: TraceCapture,
) -> None:
    monkeypatch.setattr(processor, "new_span_id", _broken_span_id)
    with strict_mode(False), caplog.at_level(logging.WARNING, logger="spanscope"):
        assert double(2) == 4
        assert double(3) == 6
        assert list(count(3)) == [0, 1, 2]
        assert await triple(2) == 6
        with spanscope.start_span("block") as span:
            span.set_inputs("still fine")
        with pytest.raises(ZeroDivisionError):
            spanscope.trace(lambda: 1 / 0)()
    warnings = [r.getMessage() for r in caplog.records if "internal error" in r.getMessage()]
    assert len(warnings) == 1  # once per kind
    assert "injected fault" in warnings[0]
    assert spanscope.tracing.stats().internal_errors == 6
    assert spanscope_traces.traces == []


@pytest.mark.internal_errors
def test_strict_mode_raises_internal_faults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(processor, "new_span_id", _broken_span_id)
    with strict_mode(True), pytest.raises(RuntimeError, match="injected fault"):
        double(1)
