"""Tracing never breaks the user's program: faults injected into spanscope's own code paths."""

from __future__ import annotations

import logging
import subprocess
import sys
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


class _Unprintable(Exception):
    def __str__(self) -> str:
        raise RuntimeError("no str for you")

    def __repr__(self) -> str:
        raise RuntimeError("no repr either")


def test_an_exception_that_cannot_be_printed_still_ends_its_span(
    spanscope_traces: TraceCapture,
) -> None:
    @spanscope.trace
    def fails() -> None:
        raise _Unprintable()

    for _ in range(3):
        with pytest.raises(_Unprintable):
            fails()
    assert len(spanscope_traces.traces) == 3  # every trace ended and was exported
    span = spanscope_traces.traces[0].spans[0]
    assert span.status.description == "_Unprintable: <unprintable _Unprintable object>"
    assert span.events[0].attributes["exception.type"] == "_Unprintable"


def test_serialising_values_never_imports_numpy() -> None:
    code = (
        "import sys, datetime, decimal, spanscope\n"
        "from spanscope.entities.serialization import dumps\n"
        "class Thing: pass\n"
        "dumps({'a': Thing(), 'b': datetime.datetime.now(), 'c': decimal.Decimal(1), 2: {3}})\n"
        "print('numpy' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
