"""The integration conformance kit: the integrations that declare a fixture pass every check; a
broken toy integration fails the kit with a message naming the check; the command prints the
table integration x check."""

from __future__ import annotations

import subprocess
import sys
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

import spanscope
from spanscope.constants import SpanAttributeKey as K
from spanscope.integrations import registered
from spanscope.testing.conformance import __main__ as conformance_command
from spanscope.testing.conformance import integration_table
from spanscope.testing.conformance.integration_checks import run_fixture
from spanscope.testing.conformance.integration_fixture import (
    IntegrationFixture,
    Operation,
    fixture_of,
)
from spanscope.testing.conformance.integration_table import format_table
from spanscope.testing.fake_llm import FakeLLMServer
from tests.conformance.registered_kit import (
    KIT_TIMEOUT_S,
    WITHOUT_FIXTURE,
    check_integration,
    kit_names,
)


@pytest.mark.internal_errors  # the kit injects faults into spanscope's own span methods
@pytest.mark.timeout(KIT_TIMEOUT_S)
@pytest.mark.parametrize("name", kit_names(providers=True))
def test_the_integration_passes_every_check(name: str, server: FakeLLMServer) -> None:
    check_integration(name, server)


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


# A toy framework: its call is a chain span with the model span inside, which holds the chat.
def _toy_chain(server: FakeLLMServer) -> Any:
    with spanscope.start_span("toy-chain", span_type="CHAIN", inputs={"q": "hi"}) as chain:
        with spanscope.start_span("toy-model", span_type="CHAT_MODEL", inputs="hi") as model:
            body = _complete(server, "hi")
            reply = body["choices"][0]["message"]["content"]
            model.set_attribute(K.GEN_AI_REQUEST_MODEL, "toy-1")
            model.set_attribute(K.GEN_AI_INPUT_MESSAGES, [_message("user", "hi")])
            model.set_attribute(K.GEN_AI_OUTPUT_MESSAGES, [_message("assistant", reply)])
            model.set_attribute(K.GEN_AI_INPUT_TOKENS, body["usage"]["prompt_tokens"])
            model.set_attribute(K.GEN_AI_OUTPUT_TOKENS, body["usage"]["completion_tokens"])
            model.set_outputs(reply)
        chain.set_outputs(reply)
    return reply


def _message(role: str, text: str) -> dict[str, Any]:
    return {"role": role, "parts": [{"type": "text", "content": text}]}


def _toy_framework(model_span: str | None) -> IntegrationFixture:
    chain = Operation("chain", _toy_chain, span_type="CHAIN", model="toy-1", model_span=model_span)
    return IntegrationFixture("toy", lambda disable=False: None, (chain,))


@pytest.mark.parametrize("model_span", ["toy-model", "CHAT_MODEL"])
def test_a_framework_call_is_checked_on_its_model_span(
    server: FakeLLMServer, model_span: str
) -> None:
    results = run_fixture(_toy_framework(model_span), server)
    checked = {r.check for r in results if r.operation == "chain"}
    assert {"one span", "chat shape", "model/usage"} <= checked
    assert [r for r in results if r.operation == "chain" and not r.passed] == []


def test_a_framework_call_without_its_model_span_declared_fails(server: FakeLLMServer) -> None:
    results = run_fixture(_toy_framework(None), server)
    failed = {r.check: r.message for r in results if not r.passed}
    assert failed["chat shape"].startswith("gen_ai.input.messages is not a non-empty list")
    assert failed["model/usage"].startswith("gen_ai.request.model is None")
    missing = run_fixture(_toy_framework("toy-llm"), server)
    failed = {r.check: r.message for r in missing if not r.passed}
    assert failed["chat shape"] == "expected one model span 'toy-llm' in the call, got []"


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


def test_an_integration_without_a_fixture_fails_the_command(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(integration_table, "fixture_of", lambda name: None)
    assert conformance_command.main(["openai"]) == 1
    printed = capsys.readouterr().out
    assert printed.splitlines()[1].split("|")[1].strip() == "FAIL"  # the fixture column
    assert (
        "FAIL openai / fixture: no spanscope.testing.conformance.fixtures.openai module declares"
        in printed
    )
