"""Span types. A plain class of constants: any other string is allowed as well."""

from __future__ import annotations

from typing import Final

__all__ = ["SpanType"]


class SpanType:
    """The span types the UI knows; custom strings are accepted too."""

    LLM: Final = "LLM"
    CHAT_MODEL: Final = "CHAT_MODEL"
    CHAIN: Final = "CHAIN"
    AGENT: Final = "AGENT"
    TOOL: Final = "TOOL"
    RETRIEVER: Final = "RETRIEVER"
    EMBEDDING: Final = "EMBEDDING"
    RERANKER: Final = "RERANKER"
    PARSER: Final = "PARSER"
    MEMORY: Final = "MEMORY"
    WORKFLOW: Final = "WORKFLOW"
    TASK: Final = "TASK"
    GUARDRAIL: Final = "GUARDRAIL"
    EVALUATOR: Final = "EVALUATOR"
    UNKNOWN: Final = "UNKNOWN"
