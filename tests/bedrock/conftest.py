"""Fixtures: the fake provider server and a real boto3 bedrock-runtime client traced by autolog."""

from __future__ import annotations

import gc
import os
import warnings
from collections.abc import Iterator
from typing import Any

import pytest

import spanscope.bedrock
from spanscope.testing.fake_llm import FakeLLMServer
from spanscope.testing.fake_llm.fixtures import fake_llm

boto3 = pytest.importorskip("boto3")

__all__ = ["fake_llm"]

# botocore signs every request: dummy keys, and no credential lookups on the network (the
# instance metadata service) nor in a developer's AWS profile.
os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "fake-access-key",
        "AWS_SECRET_ACCESS_KEY": "fake-secret-key",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }
)


_MADE: list[Any] = []


def make_client(server: FakeLLMServer, service: str = "bedrock-runtime") -> Any:
    from botocore.config import Config

    # One attempt: botocore would retry throttling and server errors.
    client = boto3.client(
        service,
        endpoint_url=server.bedrock_base_url,
        region_name="us-east-1",
        config=Config(retries={"total_max_attempts": 1}),
    )
    _MADE.append(client)
    return client


@pytest.fixture(autouse=True)
def _close_clients() -> Iterator[None]:
    """Each test's clients closed after it: a pooled connection collected later, in another
    test, would warn there (an unclosed socket)."""
    yield
    while _MADE:
        _MADE.pop().close()
    # And what is still unreferenced collected here, not in a later test of another module.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()


@pytest.fixture
def traced() -> None:
    """Autolog on (the suite's per-test reset reverts it)."""
    spanscope.bedrock.autolog()


@pytest.fixture
def client(fake_llm: FakeLLMServer, traced: None) -> Any:
    fake_llm.reset()
    return make_client(fake_llm)
