"""The conformance kit over the framework integrations (the provider SDKs' are in
test_integration_kit.py, beside the kit's own tests)."""

from __future__ import annotations

import pytest

from spanscope.testing.fake_llm import FakeLLMServer
from tests.conformance.registered_kit import KIT_TIMEOUT_S, check_integration, kit_names


@pytest.mark.internal_errors  # the kit injects faults into spanscope's own span methods
@pytest.mark.timeout(KIT_TIMEOUT_S)
@pytest.mark.parametrize("name", kit_names(providers=False))
def test_the_framework_integration_passes_every_check(name: str, server: FakeLLMServer) -> None:
    check_integration(name, server)
