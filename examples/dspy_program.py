"""A DSPy ReAct agent with a tool, traced through DSPy's callbacks.

DSPy's own offline DummyLM stands in for the LM, so no key and no network are needed.
Run: `python examples/dspy_program.py` (part of `make demo`).
"""

from __future__ import annotations

import dspy
from dspy.utils import DummyLM

import spanscope


def convert_currency(amount: float, to: str) -> str:
    """Convert an amount in euros to another currency."""
    rates = {"USD": 1.08, "GBP": 0.85, "JPY": 162.0}
    return f"{amount * rates.get(to.upper(), 1.0):.2f} {to.upper()}"


def main() -> None:
    spanscope.dspy.autolog()
    # An offline stand-in; an application uses e.g. dspy.LM("openai/gpt-4o-mini").
    lm = DummyLM(
        [
            {
                "next_thought": "I should convert the amount.",
                "next_tool_name": "convert_currency",
                "next_tool_args": {"amount": 120.0, "to": "USD"},
            },
            {
                "next_thought": "I have the answer.",
                "next_tool_name": "finish",
                "next_tool_args": {},
            },
            {"reasoning": "The tool converted it.", "answer": "120 EUR is 129.60 USD."},
        ]
    )
    with dspy.context(lm=lm):
        agent = dspy.ReAct("question -> answer", tools=[convert_currency])
        prediction = agent(question="How much is 120 EUR in US dollars?")
    print(f"answer: {prediction.answer}\n")
    print(spanscope.get_trace(spanscope.get_last_active_trace_id()).to_text())


if __name__ == "__main__":
    main()
