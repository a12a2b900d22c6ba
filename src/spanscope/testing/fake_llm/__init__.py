"""Fake provider servers on 127.0.0.1 (OpenAI, Anthropic, Ollama, Gemini, Cohere, Bedrock,
Mistral, Groq), for offline tests with the real SDKs.

    with FakeLLMServer() as server:
        client = openai.OpenAI(base_url=server.openai_base_url, api_key="sk-fake")

Standard library only; `python -m spanscope.testing.fake_llm --port N` serves from the shell.
"""

from spanscope.testing.fake_llm.server import FakeLLMServer
from spanscope.testing.fake_llm.wire import RecordedRequest

__all__ = ["FakeLLMServer", "RecordedRequest"]
