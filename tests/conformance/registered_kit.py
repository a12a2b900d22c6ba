"""The kit over every registered integration, in two test files (provider SDKs, frameworks) so
that a parallel run can give each to its own worker."""

from __future__ import annotations

import pytest

from spanscope.integrations import registered
from spanscope.testing.conformance.integration_checks import CheckResult, run_fixture
from spanscope.testing.conformance.integration_fixture import fixture_of
from spanscope.testing.fake_llm import FakeLLMServer

__all__ = [
    "KIT_TIMEOUT_S",
    "PROVIDER_SDKS",
    "WITHOUT_FIXTURE",
    "check_integration",
    "failures",
    "kit_names",
]

# Integrations still without a fixture: each one added to the kit leaves this list.
WITHOUT_FIXTURE: set[str] = set()
# Integrations whose streams are declared as calls that read them whole (their fixtures say
# why): the dropped-stream check has nothing to run for them.
STREAMS_READ_WHOLE = {"crewai", "dspy", "haystack"}
# Integrations of libraries that do not stream at all (an MCP tool call returns its result whole).
WITHOUT_STREAMS = {"mcp"}
# The integrations of model providers' SDKs; the others integrate frameworks.
PROVIDER_SDKS = {
    "anthropic", "bedrock", "cohere", "google_genai", "groq", "litellm", "mistral", "ollama",
    "openai",
}  # fmt: skip
# Every check of every operation against real servers: about a minute on a quiet machine,
# more than the suite's two under the load of a full run.
KIT_TIMEOUT_S = 600


def kit_names(providers: bool) -> list[str]:
    """The integrations with a fixture: the provider SDKs' or the frameworks'."""
    names = (i.name for i in registered() if i.name not in WITHOUT_FIXTURE)
    return sorted(n for n in names if (n in PROVIDER_SDKS) == providers)


def failures(results: list[CheckResult]) -> list[str]:
    return [f"{r.check} [{r.operation}]: {r.message}" for r in results if not r.passed]


def check_integration(name: str, server: FakeLLMServer) -> None:
    """Run the kit on the registered integration `name`; every check must pass."""
    (library,) = [i.library for i in registered() if i.name == name]
    pytest.importorskip(library)
    try:
        fixture = fixture_of(name)
    except ImportError as exc:  # a framework's fixture also needs its OpenAI model package
        pytest.skip(f"the {name} fixture cannot be imported: {exc}")
    assert fixture is not None and fixture.name == name
    results = run_fixture(fixture, server)
    assert failures(results) == []
    checked = {r.check for r in results}
    assert {"one span", "errors unchanged", "never breaks"} <= checked
    if name not in STREAMS_READ_WHOLE | WITHOUT_STREAMS:
        assert "stream dropped" in checked
