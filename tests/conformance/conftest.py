"""The integration kit runs every integrated library: their switches to stay offline and quiet
are set here, before the test modules import the libraries (`pytest.importorskip`) and before
the libraries' fixtures could set them."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from spanscope.testing.fake_llm import FakeLLMServer

# DSPy's disk cache goes to the suite's temporary home.
os.environ.setdefault("DSPY_CACHEDIR", os.path.join(os.environ["SPANSCOPE_HOME"], "dspy-cache"))
# Without it, importing litellm fetches its price list from the internet.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("HAYSTACK_TELEMETRY_ENABLED", "False")  # its telemetry posts from import on
# CrewAI's telemetry, tracing and version check.
for _name in (
    "CREWAI_DISABLE_TELEMETRY",
    "CREWAI_DISABLE_TRACKING",
    "CREWAI_DISABLE_VERSION_CHECK",
):
    os.environ.setdefault(_name, "true")
os.environ.setdefault("CREWAI_TRACING_ENABLED", "false")


@pytest.fixture(scope="module")
def server() -> Iterator[FakeLLMServer]:
    """The fake provider servers one kit module's checks share."""
    with FakeLLMServer() as running:
        yield running
