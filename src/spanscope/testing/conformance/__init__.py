"""Conformance suites a third-party backend runs to prove it behaves like spanscope's own.

`StoreConformance` is a pytest test class for `TraceStore` backends: subclass it in a class
named `Test...` and give it a `store` fixture (see docs/store.md, "Writing a store backend").
Test-only: it needs pytest and hypothesis.
"""

import pytest

# The kit's asserts are rewritten like a test module's, so its failures show the values compared.
pytest.register_assert_rewrite(
    "spanscope.testing.conformance.store",
    "spanscope.testing.conformance.store_merging",
    "spanscope.testing.conformance.store_search",
    "spanscope.testing.conformance.store_span_search",
    "spanscope.testing.conformance.store_assessments",
    "spanscope.testing.conformance.store_assessment_search",
    "spanscope.testing.conformance.store_datasets",
    "spanscope.testing.conformance.store_evaluation_runs",
)

from spanscope.testing.conformance.store import StoreConformance  # noqa: E402 - after the hook
from spanscope.testing.conformance.store_traces import (  # noqa: E402
    clear_store,
    continued_trace,
    make_trace,
    service_called_twice,
)

__all__ = [
    "StoreConformance",
    "clear_store",
    "continued_trace",
    "make_trace",
    "service_called_twice",
]
