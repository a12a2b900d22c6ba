"""LLM judges: `make_judge` and the built-in judges (public as `spanscope.judges`)."""

from spanscope.evaluation.judges.builtin import (
    correctness,
    groundedness,
    guidelines,
    relevance,
    safety,
)
from spanscope.evaluation.judges.judge import Judge, make_judge

__all__ = [
    "Judge",
    "correctness",
    "groundedness",
    "guidelines",
    "make_judge",
    "relevance",
    "safety",
]
