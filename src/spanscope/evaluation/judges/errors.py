"""Why a judge gave no verdict: the error code its feedback carries."""

from __future__ import annotations

__all__ = ["JudgeFailure"]


class JudgeFailure(Exception):
    """A judge could not reach a verdict; `error_code` is the feedback error's code:
    JUDGE_CALL_FAILED (the model could not be called), MALFORMED_VERDICT (its replies could
    not be read), MISSING_JUDGE_INPUT (the row lacks what the judge reads)."""

    def __init__(self, error_code: str, message: str) -> None:
        super().__init__(message)
        self.error_code = error_code
