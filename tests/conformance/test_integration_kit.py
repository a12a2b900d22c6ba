"""The integration conformance kit: the integrations that declare a fixture pass every check; a
broken toy integration fails the kit with a message naming the check; the command prints the
table integration x check."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

import spanscope
from spanscope.integrations import registered
from spanscope.testing.conformance.integration_checks import CheckResult, run_fixture
from spanscope.testing.conformance.integration_fixture import (
    IntegrationFixture,
    Operation,
    fixture_of,
)
from spanscope.testing.conformance.integration_table import format_table
from spanscope.testing.fake_llm import FakeLLMServer

# `pytest.importorskip("litellm")` below imports litellm before its fixture module could say
# this: without it, importing litellm fetches its price list from the internet.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

# Integrations still without a fixture: each one added to the kit leaves this list.
WITHOUT_FIXTURE = {"langchain", "llama_index", "dspy"}


@pytest.fixture(scope="module")
def server() -> Iterator[FakeLLMServer]:
    with FakeLLMServer() as running:
        yield running


def _failures(results: list[CheckResult]) -> list[str]:
    return [f"{r.check} [{r.operation}]: {r.message}" for r in results if not r.passed]


@pytest.mark.internal_errors  # the kit injects faults into spanscope's own span methods
@pytest.mark.parametrize(
    "name", sorted(i.name for i in registered() if i.name not in WITHOUT_FIXTURE)
)
def test_the_integration_passes_every_check(name: str, server: FakeLLMServer) -> None:
    pytest.importorskip(name)
    fixture = fixture_of(name)
    assert fixture is not None and fixture.name == name
    results = run_fixture(fixture, server)
    assert _failures(results) == []
    checked = {r.check for r in results}
    assert {"one span", "errors unchanged", "stream dropped", "never breaks"} <= checked


def test_the_integrations_without_a_fixture_are_the_known_ones() -> None:
    missing = {i.name for i in registered() if fixture_of(i.name) is None}
    assert missing == WITHOUT_FIXTURE


# A toy library and a broken integration of it: its wrapper swallows the library's errors.
toy = SimpleNamespace()


def _complete(server: FakeLLMServer, prompt: str) -> dict[str, Any]:
    response = httpx.post(
        f"{server.openai_base_url}/chat/completions",
        json={"model": "toy-1", "messages": [{"role": "user", "content": prompt}]},
        headers={"authorization": "Bearer sk-fake"},
    )
    response.raise_for_status()
    body: dict[str, Any] = response.json()
    return body


toy.complete = _complete


def _broken_autolog(disable: bool = False) -> None:
    toy.complete = _complete
    if disable:
        return

    def swallowing(server: FakeLLMServer, prompt: str) -> Any:
        with spanscope.start_span("toy", span_type="CHAT_MODEL", inputs={"prompt": prompt}) as span:
            try:
                result = _complete(server, prompt)
            except Exception:
                return None  # the bug: the caller never sees the error
            span.set_outputs(result)
            return result

    toy.complete = swallowing


def _failing_call(server: FakeLLMServer) -> Any:
    server.fail_next(500)
    return toy.complete(server, "hi")


BROKEN = IntegrationFixture(
    name="toy",
    autolog=_broken_autolog,
    operations=(
        Operation("chat", lambda server: toy.complete(server, "hi"), usage=False, messages=False),
        Operation("error", _failing_call, fails=True, usage=False, messages=False),
    ),
)


@pytest.mark.internal_errors
def test_an_integration_that_swallows_errors_fails_the_kit(server: FakeLLMServer) -> None:
    results = run_fixture(BROKEN, server)
    failed = {(r.check, r.operation): r.message for r in results if not r.passed}
    assert "raised nothing" in failed[("errors unchanged", "error")]
    assert "span status OK for a call that failed" in failed[("one span", "error")]
    assert ("one span", "chat") not in failed  # what it does right passes
    table = format_table(results)
    header, row = table.splitlines()[:2]
    columns = [c.strip() for c in header.split("|")]
    cells = [c.strip() for c in row.split("|")]
    assert cells[columns.index("errors unchanged")] == "FAIL"
    assert cells[columns.index("one span")] == "FAIL"
    assert cells[columns.index("stream whole")] == "-"  # no stream declared
    assert "FAIL toy / errors unchanged [error]: the failing operation raised nothing" in table


def test_the_command_prints_the_table_and_exits_by_the_result() -> None:
    ok = subprocess.run(
        [sys.executable, "-m", "spanscope.testing.conformance", "openai"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert ok.stdout.splitlines()[1].startswith("openai")
    assert "FAIL" not in ok.stdout
    missing = subprocess.run(
        [sys.executable, "-m", "spanscope.testing.conformance", "dspy"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert missing.returncode == 1
    assert (
        "FAIL dspy / fixture: no spanscope.testing.conformance.fixtures.dspy module declares"
        in (missing.stdout)
    )
