"""The real DSPy with its offline DummyLM, with `spanscope.dspy.autolog()` on."""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator

import pytest

import spanscope.dspy

# Read when DSPy and litellm are imported: litellm's bundled cost map instead of a download,
# and DSPy's disk cache in the suite's temporary home (removed after the session).
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ["DSPY_CACHEDIR"] = os.path.join(os.environ["SPANSCOPE_HOME"], "dspy-cache")

pytest.importorskip("dspy")


@pytest.fixture
def _dspy_settings() -> Iterator[None]:
    """DSPy's global settings as they were before the test (its LM, its callbacks)."""
    settings = importlib.import_module("dspy.dsp.utils.settings")
    saved = dict(settings.main_thread_config)
    yield
    settings.main_thread_config.clear()
    settings.main_thread_config.update(saved)


@pytest.fixture(autouse=True)
def _autolog(_fresh_tracing: None, _dspy_settings: None) -> None:
    # After the suite-wide reset (which removes the callback again after the test).
    spanscope.dspy.autolog()
