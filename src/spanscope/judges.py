"""LLM judges: `make_judge(name, instructions, model)` and the built-in judges.

    from spanscope.judges import correctness, make_judge

See docs/evaluation.md.
"""

from spanscope.evaluation.judges import (
    Judge,
    correctness,
    groundedness,
    guidelines,
    make_judge,
    relevance,
    safety,
)

__all__ = [
    "Judge",
    "correctness",
    "groundedness",
    "guidelines",
    "make_judge",
    "relevance",
    "safety",
]
