"""A scripted judge model: verdicts the fake provider server gives in order."""

from __future__ import annotations

import json


def verdict(result: object, rationale: str = "because") -> str:
    return json.dumps({"result": result, "rationale": rationale})


class Script:
    """The server's replies in order (the last one repeats); the prompts it was sent."""

    def __init__(self) -> None:
        self.replies: list[str] = [verdict(True)]
        self.prompts: list[str] = []

    def __call__(self, prompt: str) -> str:
        self.prompts.append(prompt)
        return self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]
