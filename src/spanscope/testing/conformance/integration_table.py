"""Running the integration conformance kit over the registry, and its table (integration x
check), as `python -m spanscope.testing.conformance` prints it."""

from __future__ import annotations

from collections.abc import Sequence

from spanscope.integrations import registered
from spanscope.testing.conformance.integration_checks import CHECKS, CheckResult, run_fixture
from spanscope.testing.conformance.integration_fixture import IntegrationFixture, fixture_of
from spanscope.testing.fake_llm import FakeLLMServer

__all__ = ["format_table", "run_registry"]


def run_registry(names: Sequence[str] | None = None) -> list[CheckResult]:
    """The kit over every registered integration (or those named); an integration without a
    fixture, or whose library is not installed, fails a "fixture" check saying so."""
    results: list[CheckResult] = []
    with FakeLLMServer() as server:
        for integration in registered():
            if names and integration.name not in names:
                continue
            try:
                fixture: IntegrationFixture | None = fixture_of(integration.name)
            except ImportError as exc:
                results.append(
                    CheckResult(integration.name, "fixture", None, False, f"cannot import: {exc}")
                )
                continue
            if fixture is None:
                module = f"spanscope.testing.conformance.fixtures.{integration.name}"
                message = f"no {module} module declares FIXTURE"
                results.append(CheckResult(integration.name, "fixture", None, False, message))
                continue
            results.append(CheckResult(integration.name, "fixture", None, True))
            results += run_fixture(fixture, server)
    return results


def format_table(results: Sequence[CheckResult]) -> str:
    """One row per integration, one column per check: "ok", "FAIL" or "-" (not applicable);
    then each failure with its operation and message."""
    columns = ["fixture", *(check.name for check in CHECKS)]
    integrations = list(dict.fromkeys(r.integration for r in results))
    cells: dict[tuple[str, str], str] = {}
    for result in results:
        key = (result.integration, result.check)
        if not result.passed:
            cells[key] = "FAIL"
        else:
            cells.setdefault(key, "ok")
    width = max([len(i) for i in integrations] + [len("integration")])
    lines = [" | ".join(["integration".ljust(width), *columns])]
    for integration in integrations:
        row = [integration.ljust(width)]
        row += [cells.get((integration, c), "-").ljust(len(c)) for c in columns]
        lines.append(" | ".join(row))
    failures = [r for r in results if not r.passed]
    if failures:
        lines.append("")
        for failure in failures:
            where = f" [{failure.operation}]" if failure.operation else ""
            lines.append(f"FAIL {failure.integration} / {failure.check}{where}: {failure.message}")
    return "\n".join(lines)
