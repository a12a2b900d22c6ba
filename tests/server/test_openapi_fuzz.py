"""Schemathesis against /openapi.json of a live server: no input makes a route answer 5xx."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.core.result import Ok

from spanscope.server.settings import ServerSettings
from spanscope.store.sql.store import SqlTraceStore
from tests.live_server import server_thread
from tests.store.factory import make_trace

EXAMPLES_PER_ROUTE = 40


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    path = Path(tmp_path_factory.mktemp("fuzz")) / "fuzz.db"
    store = SqlTraceStore(f"sqlite:///{path}")
    store.create_experiment("seeded")
    store.write_traces([make_trace("1", tags={"env": "prod"}) for _ in range(3)])
    with server_thread(ServerSettings(store.uri, max_body_bytes=1_000_000), store) as url:
        yield url
    store.close()


def test_no_route_answers_5xx(fuzz_server: str) -> None:
    schema = schemathesis.openapi.from_url(f"{fuzz_server}/openapi.json")
    operations = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result  # a route the schema cannot describe
        operations.append(result.ok())
    assert len(operations) >= 14
    failures: list[str] = []
    statuses: list[int] = []
    for operation in operations:

        @settings(
            max_examples=EXAMPLES_PER_ROUTE,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def call(case: schemathesis.Case[Any]) -> None:
            response = case.call(base_url=fuzz_server, timeout=30)
            statuses.append(response.status_code)
            if response.status_code >= 500:
                failures.append(
                    f"{case.method} {case.formatted_path} -> {response.status_code}: "
                    f"{response.text[:300]}"
                )

        call()
    assert failures == []
    # The fuzzing did reach the handlers: both accepted and refused requests were seen.
    assert len(statuses) >= 10 * len(operations)
    assert {200, 422} <= set(statuses)
