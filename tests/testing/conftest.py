"""The fake LLM server fixture (until the spanscope pytest plugin registers it)."""

from spanscope.testing.fake_llm.fixtures import fake_llm

__all__ = ["fake_llm"]
