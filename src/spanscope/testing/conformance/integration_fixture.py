"""What an integration declares to the conformance kit: how to call its library against the
fake provider servers, and which operations it has.

An integration opts in with a module `spanscope.testing.conformance.fixtures.<name>` defining
`FIXTURE`, an `IntegrationFixture` (in the testing layer, above the integrations). The kit
(`integration_checks.py`) then holds every declared operation to the same checks;
`python -m spanscope.testing.conformance` runs it over the registry.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from spanscope.entities.span_type import SpanType
from spanscope.testing.fake_llm import FakeLLMServer

__all__ = ["IntegrationFixture", "Operation", "fixture_of", "stream_then_close"]


@dataclass(frozen=True)
class Operation:
    """One call of the library, made fresh against the fake servers each time it runs.

    `call(server)` returns the result; for an async operation a coroutine resolving to it; for
    a stream the stream object (an async stream: a coroutine resolving to one), which the kit
    consumes as a caller would. `fails` marks an operation the fake server answers with an
    error: it must raise exactly what it raises untraced.

    A framework's call makes a small tree: its own span of `span_type` (a chain, a query, a
    module) with the model span inside. `model_span` names that nested span (by name or by
    type): the chat messages, model and usage are checked there; None (a provider SDK's call)
    checks them on the call's own span.
    """

    name: str
    call: Callable[[FakeLLMServer], Any]
    span_type: str = SpanType.CHAT_MODEL
    is_async: bool = False
    stream: bool = False
    fails: bool = False
    # What its span records: the request model, token usage, chat messages in the GenAI shape,
    # and a tool call among the output messages.
    model: str | None = None
    usage: bool = True
    messages: bool = True
    tool_call: bool = False
    model_span: str | None = None


@dataclass(frozen=True)
class IntegrationFixture:
    """An integration's declaration to the kit: its `autolog` and its operations."""

    name: str
    autolog: Callable[..., None]
    operations: tuple[Operation, ...]


def fixture_of(integration: str) -> IntegrationFixture | None:
    """The fixture `spanscope.testing.conformance.fixtures.<integration>` declares, or None if
    it has none."""
    module_name = f"spanscope.testing.conformance.fixtures.{integration}"
    if importlib.util.find_spec(module_name) is None:
        return None
    fixture: IntegrationFixture = importlib.import_module(module_name).FIXTURE
    return fixture


async def stream_then_close(stream: Any, client: Any) -> AsyncIterator[Any]:
    """An async stream's chunks, then the stream and its client closed (inside the event loop
    that made them, as `async with` would), however far the caller read."""
    try:
        async for chunk in stream:
            yield chunk
    finally:
        await stream.close()
        await client.close()
