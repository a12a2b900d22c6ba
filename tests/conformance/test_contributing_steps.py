"""CONTRIBUTING's "Adding an integration", followed on a toy library: the package layout
(`__init__.py` with INTEGRATION and autolog, `_patch.py` with CallHooks on the shared
plumbing), then a conformance fixture; the kit passes it. Written to a temporary folder as a
contributor would write them, and imported from there."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from spanscope.testing.conformance.integration_checks import run_fixture
from spanscope.testing.conformance.integration_fixture import IntegrationFixture, Operation
from spanscope.testing.fake_llm import FakeLLMServer

# The library: a thin client of an OpenAI-style chat API.
LIBRARY = """
import httpx


class APIError(Exception):
    pass


class Client:
    def __init__(self, base_url):
        self.base_url = base_url

    def chat(self, model, messages, tools=None):
        body = {"model": model, "messages": messages}
        if tools:
            body["tools"] = tools
            body["tool_choice"] = "required"
        response = httpx.post(f"{self.base_url}/chat/completions", json=body)
        if response.status_code >= 400:
            raise APIError(f"{response.status_code}: {response.text}")
        return response.json()
"""

# spanscope/toyllm/__init__.py: the declaration and autolog, importing nothing of the library
# until autolog runs.
INIT = """
from spanscope.patching.integration import Integration, configure_autolog

INTEGRATION = Integration(
    name="toyllm", library="toyllm", distribution="toyllm", min_version="0.1", kind="patch"
)


def autolog(disable=False, silent=False, log_traces=True):
    import toyllm  # noqa: F401

    from toyllm_tracing._patch import patch

    configure_autolog(INTEGRATION, patch, disable, silent, log_traces)
"""

# spanscope/toyllm/_patch.py: hooks on the shared plumbing (safe_patch, start_llm_span, Usage).
PATCH = """
from spanscope.patching import CallHooks, safe_patch
from spanscope.patching.patch import SKIP
from spanscope.tracing.llm import Usage, start_llm_span


class ChatHooks(CallHooks):
    def before(self, args, kwargs):
        # Called as client.chat(model=..., messages=..., tools=...): keywords only.
        call = start_llm_span(
            "toyllm.chat", provider="toyllm", operation="chat", inputs=kwargs,
            model=kwargs.get("model"),
        )
        if call is None:
            return SKIP
        call.set_input_messages(kwargs.get("messages"))
        call.set_tools(kwargs.get("tools"))
        return call

    def after(self, call, result):
        choice = result["choices"][0]
        call.set_output_messages([choice["message"]], [choice.get("finish_reason")])
        usage = result.get("usage") or {}
        call.set_usage(Usage(usage.get("prompt_tokens"), usage.get("completion_tokens")))
        call.set_response(result.get("model"), result.get("id"))
        call.end(outputs=result)
        return result

    def error(self, call, exc):
        call.end(error=exc)


def patch():
    import toyllm

    safe_patch("toyllm", toyllm.Client, "chat", ChatHooks())
"""


@pytest.fixture
def toy(tmp_path: Path) -> Iterator[IntegrationFixture]:
    (tmp_path / "toyllm.py").write_text(textwrap.dedent(LIBRARY))
    package = tmp_path / "toyllm_tracing"
    package.mkdir()
    (package / "__init__.py").write_text(textwrap.dedent(INIT))
    (package / "_patch.py").write_text(textwrap.dedent(PATCH))
    sys.path.insert(0, str(tmp_path))
    try:
        import toyllm  # type: ignore[import-not-found]
        import toyllm_tracing  # type: ignore[import-not-found]

        user = [{"role": "user", "content": "What is the weather in Paris?"}]
        weather = {
            "type": "function",
            "function": {
                "name": "get_weather",
                "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
            },
        }

        def client(server: FakeLLMServer) -> Any:
            return toyllm.Client(server.openai_base_url)

        def failing(server: FakeLLMServer) -> Any:
            server.fail_next(500)
            return client(server).chat(model="toy-1", messages=user)

        # The fixture (spanscope/testing/conformance/fixtures/toyllm.py in the repository).
        yield IntegrationFixture(
            name="toyllm",
            autolog=toyllm_tracing.autolog,
            operations=(
                Operation(
                    "chat", lambda s: client(s).chat(model="toy-1", messages=user), model="toy-1"
                ),
                Operation(
                    "tool call",
                    lambda s: client(s).chat(model="toy-1", messages=user, tools=[weather]),
                    model="toy-1",
                    tool_call=True,
                ),
                Operation("error", failing, fails=True, model="toy-1"),
            ),
        )
    finally:
        sys.path.remove(str(tmp_path))
        for name in ("toyllm", "toyllm_tracing", "toyllm_tracing._patch"):
            sys.modules.pop(name, None)


@pytest.mark.internal_errors  # the kit injects faults into spanscope's span methods
def test_an_integration_built_by_the_guide_passes_the_kit(toy: IntegrationFixture) -> None:
    with FakeLLMServer() as server:
        results = run_fixture(toy, server)
    assert [f"{r.check} [{r.operation}]: {r.message}" for r in results if not r.passed] == []
    assert {r.check for r in results} >= {
        "one span",
        "chat shape",
        "model/usage",
        "errors unchanged",
        "never breaks",
        "disable restores",
        "idempotent",
        "loopback only",
    }
