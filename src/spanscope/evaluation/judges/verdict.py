"""A judge's verdict: the JSON object {"result": ..., "rationale": ...} found in a reply, with
the result checked against the judge's feedback type."""

from __future__ import annotations

import json
import math
import re
import typing
from dataclasses import dataclass
from typing import Any, Literal

from spanscope.exceptions import InvalidArgumentError

__all__ = ["MalformedVerdict", "ResultType", "Verdict", "parse_verdict"]

_FENCE = re.compile(r"```(?:json|JSON)?\s*(.*?)```", re.DOTALL)
_TRUE = frozenset({"true", "yes", "pass", "passed", "y"})
_FALSE = frozenset({"false", "no", "fail", "failed", "n"})
_SHOWN = 200


class MalformedVerdict(ValueError):
    """A reply that holds no usable verdict; the message says what is wrong (for the model)."""


@dataclass(frozen=True, slots=True)
class Verdict:
    result: bool | int | float | str
    rationale: str | None


@dataclass(frozen=True, slots=True)
class ResultType:
    """What a verdict's result must be: bool, int, float, str, or one of `choices`."""

    kind: Literal["bool", "int", "float", "str", "choice"]
    choices: tuple[bool | int | float | str, ...] = ()

    @classmethod
    def of(cls, feedback_type: Any) -> ResultType:
        """From `bool`, `int`, `float`, `str` or `Literal[...]`; InvalidArgumentError else."""
        simple = {bool: "bool", int: "int", float: "float", str: "str"}
        if feedback_type in simple:
            return cls(simple[feedback_type])  # type: ignore[arg-type]
        if typing.get_origin(feedback_type) is Literal:
            choices = typing.get_args(feedback_type)
            if choices and all(isinstance(c, bool | int | float | str) for c in choices):
                return cls("choice", tuple(choices))
        raise InvalidArgumentError(
            "a judge's feedback_type is bool, int, float, str or Literal[...] of those values, "
            f"got {feedback_type!r}"
        )

    def describe(self) -> str:
        """The result as the prompt asks for it."""
        if self.kind == "bool":
            return "true or false"
        if self.kind == "int":
            return "an integer"
        if self.kind == "float":
            return "a number"
        if self.kind == "str":
            return "a string"
        return "one of " + ", ".join(json.dumps(c) for c in self.choices)

    def coerce(self, raw: Any) -> bool | int | float | str:
        """The result as this type; MalformedVerdict when it is not one."""
        if self.kind == "bool":
            if isinstance(raw, bool):
                return raw
            word = raw.strip().strip(".!").casefold() if isinstance(raw, str) else None
            if word in _TRUE:
                return True
            if word in _FALSE:
                return False
        elif self.kind in ("int", "float"):
            number = _number(raw)
            if number is not None and self.kind == "float":
                return float(number)
            if number is not None and float(number).is_integer():
                return int(number)
        elif self.kind == "str":
            if isinstance(raw, str) and raw.strip():
                return raw.strip()
        else:
            for choice in self.choices:
                if _same_choice(raw, choice):
                    return choice
        raise MalformedVerdict(f'"result" must be {self.describe()}, got {_show(raw)}')


def parse_verdict(text: str, result_type: ResultType) -> Verdict:
    """The verdict in a reply: the first JSON object with a "result" (alone, in a code fence,
    or amid other text); MalformedVerdict saying what is missing otherwise."""
    objects = _json_objects(text)
    if not objects:
        raise MalformedVerdict(f"the reply holds no JSON object: {_show(text)}")
    found = next((o for o in objects if "result" in o), None)
    if found is None:
        raise MalformedVerdict(f'the JSON object has no "result" key: {_show(objects[0])}')
    rationale = found.get("rationale")
    if rationale is not None and not isinstance(rationale, str):
        rationale = json.dumps(rationale, ensure_ascii=False)
    return Verdict(result_type.coerce(found["result"]), rationale or None)


def _json_objects(text: str) -> list[dict[str, Any]]:
    candidates = [text.strip(), *(m.strip() for m in _FENCE.findall(text))]
    objects: list[dict[str, Any]] = []
    for candidate in candidates:
        try:
            value = json.loads(candidate)
        except ValueError:
            continue
        if isinstance(value, dict):
            objects.append(value)
    if objects:
        return objects
    # A verdict amid prose: try each opening brace in turn.
    decoder = json.JSONDecoder()
    for start in (i for i, ch in enumerate(text) if ch == "{"):
        try:
            value, _ = decoder.raw_decode(text, start)
        except ValueError:
            continue
        if isinstance(value, dict):
            objects.append(value)
    return objects


def _number(raw: Any) -> float | int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    value: float
    if isinstance(raw, float):
        value = raw
    elif isinstance(raw, str):
        try:
            value = float(raw.strip())
        except ValueError:
            return None
    else:
        return None
    return value if math.isfinite(value) else None


def _same_choice(raw: Any, choice: bool | int | float | str) -> bool:
    if isinstance(choice, str):
        return isinstance(raw, str) and raw.strip().casefold() == choice.casefold()
    if isinstance(choice, bool) or isinstance(raw, bool):
        return raw is choice
    return isinstance(raw, int | float) and raw == choice


def _show(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return repr(text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "...")
