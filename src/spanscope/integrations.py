"""The registry of integrations: one entry per `spanscope.<name>` package.

Adding an integration is one folder (`spanscope/<name>/__init__.py` declaring `INTEGRATION`
and `autolog()`) plus its entry here: the import, the module in `MODULES` and its name in
`__all__` (kept literal so type checkers see `spanscope.<name>`; a test checks they agree).
From this list come `spanscope.autolog()`, the integration modules of the top-level API, the
public-API test, the bare-install check and the docs index check. Importing an integration
package never imports its library.
"""

from __future__ import annotations

from types import ModuleType

from spanscope import (
    anthropic,
    autogen,
    bedrock,
    cohere,
    crewai,
    dspy,
    google_adk,
    google_genai,
    groq,
    haystack,
    langchain,
    litellm,
    llama_index,
    mcp,
    mistral,
    ollama,
    openai,
    openai_agents,
    pydantic_ai,
    semantic_kernel,
    smolagents,
    strands,
)
from spanscope.patching.integration import Integration

__all__ = [
    "anthropic",
    "autogen",
    "bedrock",
    "cohere",
    "crewai",
    "dspy",
    "google_adk",
    "google_genai",
    "groq",
    "haystack",
    "langchain",
    "litellm",
    "llama_index",
    "mcp",
    "mistral",
    "ollama",
    "openai",
    "openai_agents",
    "pydantic_ai",
    "semantic_kernel",
    "smolagents",
    "strands",
]

MODULES: tuple[ModuleType, ...] = (
    openai,
    anthropic,
    google_genai,
    cohere,
    bedrock,
    ollama,
    mistral,
    groq,
    litellm,
    langchain,
    llama_index,
    dspy,
    strands,
    haystack,
    pydantic_ai,
    mcp,
    openai_agents,
    autogen,
    semantic_kernel,
    google_adk,
    smolagents,
    crewai,
)


def registered() -> list[Integration]:
    """Every registered integration's declaration, in registry order."""
    return [module.INTEGRATION for module in MODULES]


def by_name(name: str) -> Integration | None:
    return next((i for i in registered() if i.name == name), None)
