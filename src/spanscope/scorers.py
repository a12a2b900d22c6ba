"""Built-in code scorers, and the `Scorer` type and `@scorer` decorator.

    from spanscope.scorers import exact_match, latency_budget, tool_called

See docs/evaluation.md.
"""

from spanscope.evaluation.builtin_scorers import (
    contains,
    exact_match,
    is_valid_json,
    latency_budget,
    matches_json_schema,
    matches_regex,
    token_budget,
    tool_called,
    tool_not_called,
)
from spanscope.evaluation.scorer import Scorer, scorer

__all__ = [
    "Scorer",
    "contains",
    "exact_match",
    "is_valid_json",
    "latency_budget",
    "matches_json_schema",
    "matches_regex",
    "scorer",
    "token_budget",
    "tool_called",
    "tool_not_called",
]
