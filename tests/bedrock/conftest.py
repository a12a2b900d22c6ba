"""Fixtures: the fake provider server and a real boto3 bedrock-runtime client traced by autolog."""

from __future__ import annotations

import os
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


def make_client(server: FakeLLMServer, service: str = "bedrock-runtime") -> Any:
    from botocore.config import Config

    # One attempt: botocore would retry throttling and server errors.
    return boto3.client(
        service,
        endpoint_url=server.bedrock_base_url,
        region_name="us-east-1",
        config=Config(retries={"total_max_attempts": 1}),
    )


@pytest.fixture
def traced() -> None:
    """Autolog on (the suite's per-test reset reverts it)."""
    spanscope.bedrock.autolog()


@pytest.fixture
def client(fake_llm: FakeLLMServer, traced: None) -> Any:
    fake_llm.reset()
    return make_client(fake_llm)
