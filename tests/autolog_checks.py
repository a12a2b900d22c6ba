"""Checks the integrations' autolog tests make the same way: the library imported only when
needed, patches made and reverted, calls nested under a user span, and spanscope's own errors
kept away from the call (pytest rewrites the asserts here too: see tests/conftest.py)."""

from __future__ import annotations

import logging
import subprocess
import sys
from collections.abc import Callable, Iterable
from typing import Any, NoReturn

import pytest

import spanscope
from spanscope.constants import SpanAttributeKey as K
from spanscope.entities.trace import Trace
from spanscope.testing import TraceCapture, span_tree, strict_mode

BUG = "bug in spanscope"
# What a nested chat span is checked by: its request model and output tokens.
NESTED = [K.GEN_AI_REQUEST_MODEL, K.GEN_AI_OUTPUT_TOKENS]


def boom(*args: Any, **kwargs: Any) -> NoReturn:
    """Stands in for a piece of an integration, as a bug in it."""
    raise RuntimeError(BUG)


def _run(code: str) -> list[str]:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return out.stdout.split()


def imported_by(module: str, *libraries: str) -> list[bool]:
    """Which of `libraries` importing `module` imports, in a fresh interpreter."""
    code = f"import sys, {module}; print(*[name in sys.modules for name in {libraries!r}])"
    return [word == "True" for word in _run(code)]


def autolog_on_import(integration: str, library: str) -> list[bool]:
    """`spanscope.autolog()` with only `integration`, in a fresh interpreter: whether it imported
    `library` itself, then whether the integration is patched once the app imports it."""
    code = (
        "import sys, spanscope\n"
        "from spanscope.integrations import registered\n"
        f"spanscope.autolog(exclude=[i.name for i in registered() if i.name != {integration!r}])\n"
        f"print({library!r} in sys.modules)\n"
        f"import {library}\n"
        "from spanscope.patching import is_patched\n"
        f"print(is_patched({integration!r}))\n"
    )
    return [word == "True" for word in _run(code)]


def check_patches_are_reverted(
    autolog: Callable[..., None],
    points: Iterable[tuple[Any, str]],
    untouched: Iterable[tuple[Any, str]] = (),
) -> None:
    """`autolog()` replaces every `(owner, name)` of `points` and leaves `untouched` alone;
    `autolog(disable=True)` puts the very same objects back."""
    originals = {(owner, name): vars(owner)[name] for owner, name in points}
    kept = {(owner, name): vars(owner)[name] for owner, name in untouched}
    autolog()
    assert all(vars(owner)[name] is not originals[owner, name] for owner, name in originals)
    assert all(vars(owner)[name] is kept[owner, name] for owner, name in kept)
    autolog(disable=True)
    assert all(vars(owner)[name] is originals[owner, name] for owner, name in originals)


def single_spans(traces: TraceCapture) -> list[str]:
    """The name of each trace's span, checking that each trace is that one span alone."""
    names = []
    for trace in traces.traces:
        (node,) = span_tree(trace, values=False, events=False)
        assert node["children"] == []
        names.append(node["name"])
    return names


def nested(trace: Trace) -> list[dict[str, Any]]:
    """The span tree with the `NESTED` attributes."""
    return span_tree(trace, attributes=NESTED, values=False, events=False)


def nested_tree(model: str, *calls: str) -> list[dict[str, Any]]:
    """`nested(...)` of an AGENT span `agent` around one chat span per call, each of `model`
    with 8 output tokens."""

    def leaf(name: str) -> dict[str, Any]:
        return {
            "name": name,
            "span_type": "CHAT_MODEL",
            "status": "OK",
            "attributes": {K.GEN_AI_REQUEST_MODEL: model, K.GEN_AI_OUTPUT_TOKENS: 8},
            "children": [],
        }

    return [
        {
            "name": "agent",
            "span_type": "AGENT",
            "status": "OK",
            "attributes": {K.GEN_AI_REQUEST_MODEL: None, K.GEN_AI_OUTPUT_TOKENS: None},
            "children": [leaf(name) for name in calls],
        }
    ]


def check_an_error_before_the_call(
    call: Callable[[], str], answer: str, traces: TraceCapture
) -> None:
    """With a bug before the call, `call()` (the answer's text) still answers, untraced: no
    half-made span either."""
    with strict_mode(False):
        assert call() == answer
    assert traces.traces == []
    assert spanscope.tracing.stats().internal_errors == 1


def check_silent_mutes_the_warnings(
    call: Callable[[], str], answer: str, caplog: pytest.LogCaptureFixture
) -> None:
    """With a bug after the call and autolog(silent=True): the answer, and no warning."""
    with strict_mode(False), caplog.at_level(logging.WARNING, "spanscope"):
        assert call() == answer
        spanscope.flush()  # work deferred to the export thread reports its errors too
    assert BUG not in caplog.text
    assert spanscope.tracing.stats().internal_errors == 1
