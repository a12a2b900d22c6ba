"""Built-in code scorers: factories that return a configured `Scorer`.

    evaluate(data, scorers=[exact_match(), latency_budget(max_ms=2000), tool_called("search")])

Text scorers read `outputs` (a string as is, anything else as its JSON text); trace scorers
read the trace being scored (its duration, token usage, TOOL spans). A scorer that lacks what
it needs (no expectation of that name, no trace) gives an error feedback, not a score.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from spanscope.constants import SpanAttributeKey
from spanscope.entities.assessment import Feedback
from spanscope.entities.span import Span
from spanscope.entities.span_type import SpanType
from spanscope.entities.token_usage import aggregate_token_usage
from spanscope.entities.trace import Trace
from spanscope.evaluation.scorer import Scorer
from spanscope.exceptions import InvalidArgumentError

__all__ = [
    "contains",
    "exact_match",
    "is_valid_json",
    "latency_budget",
    "matches_json_schema",
    "matches_regex",
    "token_budget",
    "tool_called",
    "tool_not_called",
]

DEFAULT_EXPECTATION = "expected_response"
_TOKEN_COUNTS = ("total_tokens", "input_tokens", "output_tokens")
_SHOWN = 200  # characters of a value quoted in a rationale


def exact_match(
    expectation: str = DEFAULT_EXPECTATION,
    *,
    ignore_case: bool = False,
    strip_whitespace: bool = True,
    name: str = "exact_match",
) -> Scorer:
    """True when the outputs equal `expectations[expectation]`.

    Two strings are compared after stripping surrounding whitespace (unless
    `strip_whitespace=False`) and, with `ignore_case`, case; other values must be equal.
    """

    def exact_match(outputs: Any, expectations: Any) -> Feedback:
        expected = _expected(expectations, expectation, name)
        if isinstance(outputs, str) and isinstance(expected, str):
            got, want = outputs, expected
            if strip_whitespace:
                got, want = got.strip(), want.strip()
            if ignore_case:
                got, want = got.casefold(), want.casefold()
            same = got == want
        else:
            same = outputs == expected
        if same:
            return Feedback(value=True, rationale="the outputs equal the expected response")
        return Feedback(value=False, rationale=f"expected {_show(expected)}, got {_show(outputs)}")

    return Scorer(exact_match, name=name)


def contains(
    substrings: str | Sequence[str] | None = None,
    *,
    expectation: str | None = None,
    ignore_case: bool = False,
    name: str = "contains",
) -> Scorer:
    """True when the outputs' text contains every one of `substrings`, or of the string(s)
    `expectations[expectation]` names (give one of the two)."""
    if (substrings is None) == (expectation is None):
        raise InvalidArgumentError("contains() takes substrings or expectation=..., one of them")
    fixed = None if substrings is None else _strings(substrings, "contains(substrings)")

    def contains(outputs: Any, expectations: Any) -> Feedback:
        wanted = fixed or _strings(_expected(expectations, str(expectation), name), name)
        text = _text(outputs)
        haystack = text.casefold() if ignore_case else text
        missing = [w for w in wanted if (w.casefold() if ignore_case else w) not in haystack]
        if missing:
            return Feedback(value=False, rationale=f"the outputs lack {_show(missing)}")
        return Feedback(value=True, rationale=f"the outputs contain {_show(wanted)}")

    return Scorer(contains, name=name)


def matches_regex(
    pattern: str | re.Pattern[str],
    *,
    full_match: bool = False,
    flags: int = 0,
    name: str = "matches_regex",
) -> Scorer:
    """True when `pattern` is found in the outputs' text (matches all of it with
    `full_match`)."""
    try:
        compiled = pattern if isinstance(pattern, re.Pattern) else re.compile(pattern, flags)
    except re.error as exc:
        raise InvalidArgumentError(f"matches_regex: {pattern!r} is not a regex ({exc})") from exc

    def matches_regex(outputs: Any) -> Feedback:
        text = _text(outputs)
        found = compiled.fullmatch(text) if full_match else compiled.search(text)
        how = "matches" if full_match else "contains a match of"
        if found is None:
            return Feedback(value=False, rationale=f"no match of /{compiled.pattern}/")
        return Feedback(value=True, rationale=f"the outputs {how} /{compiled.pattern}/")

    return Scorer(matches_regex, name=name)


def is_valid_json(*, name: str = "valid_json") -> Scorer:
    """True when the outputs are JSON: a string that parses, or a value JSON can hold."""

    def is_valid_json(outputs: Any) -> Feedback:
        try:
            _parsed(outputs)
        except ValueError as exc:
            return Feedback(value=False, rationale=str(exc))
        return Feedback(value=True, rationale="the outputs are valid JSON")

    return Scorer(is_valid_json, name=name)


def matches_json_schema(schema: Mapping[str, Any], *, name: str = "json_schema") -> Scorer:
    """True when the outputs (JSON text, or a value) follow the JSON Schema `schema`.

    Needs the `jsonschema` package (`pip install 'spanscope[evaluation]'`).
    """
    try:
        import jsonschema
    except ImportError as exc:
        raise ImportError(
            "matches_json_schema() needs the jsonschema package: "
            "pip install 'spanscope[evaluation]' (or pip install jsonschema)"
        ) from exc
    validator_class = jsonschema.validators.validator_for(schema)
    try:
        validator_class.check_schema(schema)
    except jsonschema.SchemaError as exc:
        raise InvalidArgumentError(f"matches_json_schema: invalid schema ({exc.message})") from exc
    validator = validator_class(schema)

    def matches_json_schema(outputs: Any) -> Feedback:
        try:
            value = _parsed(outputs)
        except ValueError as exc:
            return Feedback(value=False, rationale=str(exc))
        errors = sorted(validator.iter_errors(value), key=lambda e: list(e.absolute_path))
        if not errors:
            return Feedback(value=True, rationale="the outputs follow the schema")
        where = "/".join(str(p) for p in errors[0].absolute_path) or "(root)"
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        return Feedback(value=False, rationale=f"at {where}: {errors[0].message}{more}")

    return Scorer(matches_json_schema, name=name)


def latency_budget(max_ms: float, *, name: str = "latency_budget") -> Scorer:
    """True when the trace took at most `max_ms` milliseconds (its execution duration)."""
    budget = _positive(max_ms, "latency_budget(max_ms)")

    def latency_budget(trace: Trace | None) -> Feedback:
        duration = _trace(trace, name).info.execution_duration
        if duration is None:
            raise InvalidArgumentError(f"{name}: the trace has not finished (no duration)")
        verdict = "within" if duration <= budget else "over"
        return Feedback(
            value=duration <= budget,
            rationale=f"took {duration} ms, {verdict} the budget of {_number(budget)} ms",
        )

    return Scorer(latency_budget, name=name)


def token_budget(
    max_tokens: int, *, count: str = "total_tokens", name: str = "token_budget"
) -> Scorer:
    """True when the trace used at most `max_tokens` tokens: `count` is "total_tokens"
    (default), "input_tokens" or "output_tokens", summed over its LLM spans. A trace without
    token usage used none."""
    budget = _positive(max_tokens, "token_budget(max_tokens)")
    if count not in _TOKEN_COUNTS:
        raise InvalidArgumentError(
            f"token_budget(count=...) is one of {', '.join(_TOKEN_COUNTS)}, got {count!r}"
        )

    def token_budget(trace: Trace | None) -> Feedback:
        found = _trace(trace, name)
        usage = found.info.token_usage or aggregate_token_usage(found.spans) or {}
        used = int(usage.get(count, 0))
        verdict = "within" if used <= budget else "over"
        return Feedback(
            value=used <= budget,
            rationale=f"used {used} {count.replace('_', ' ')}, {verdict} the budget of "
            f"{_number(budget)}",
        )

    return Scorer(token_budget, name=name)


def tool_called(tool_name: str | None = None, *, name: str | None = None) -> Scorer:
    """True when the trace has a TOOL span (named `tool_name`, if given).

    Named "tool_called", or "tool_called_<tool_name>".
    """
    chosen = name or ("tool_called" if tool_name is None else f"tool_called_{tool_name}")

    def tool_called(trace: Trace | None) -> Feedback:
        calls = _tool_spans(_trace(trace, chosen), tool_name)
        return Feedback(value=bool(calls), rationale=_tool_rationale(calls, tool_name))

    return Scorer(tool_called, name=chosen)


def tool_not_called(tool_name: str | None = None, *, name: str | None = None) -> Scorer:
    """True when the trace has no TOOL span (named `tool_name`, if given).

    Named "tool_not_called", or "tool_not_called_<tool_name>".
    """
    chosen = name or ("tool_not_called" if tool_name is None else f"tool_not_called_{tool_name}")

    def tool_not_called(trace: Trace | None) -> Feedback:
        calls = _tool_spans(_trace(trace, chosen), tool_name)
        return Feedback(value=not calls, rationale=_tool_rationale(calls, tool_name))

    return Scorer(tool_not_called, name=chosen)


def _tool_spans(trace: Trace, tool_name: str | None) -> list[Span]:
    tools = trace.search_spans(span_type=SpanType.TOOL)
    if tool_name is None:
        return tools
    return [
        span
        for span in tools
        if tool_name in (span.name, span.get_attribute(SpanAttributeKey.GEN_AI_TOOL_NAME))
    ]


def _tool_rationale(calls: list[Span], tool_name: str | None) -> str:
    if tool_name is not None:
        if not calls:
            return f"the tool {tool_name!r} was not called"
        return f"the tool {tool_name!r} was called {len(calls)} time(s)"
    if not calls:
        return "no tool was called"
    return f"{len(calls)} tool call(s): {', '.join(span.name for span in calls)}"


def _expected(expectations: Any, key: str, scorer: str) -> Any:
    if not isinstance(expectations, Mapping) or expectations.get(key) is None:
        raise InvalidArgumentError(f"{scorer} needs expectations[{key!r}]; the row has none")
    return expectations[key]


def _trace(trace: Trace | None, scorer: str) -> Trace:
    if trace is None:
        raise InvalidArgumentError(f"{scorer} reads the trace, and this row has none")
    return trace


def _strings(value: Any, what: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, Sequence) and value and all(isinstance(v, str) for v in value):
        return list(value)
    raise InvalidArgumentError(f"{what} is a string or a list of strings, got {_show(value)}")


def _positive(value: Any, what: str) -> float:
    number = value if isinstance(value, int | float) and not isinstance(value, bool) else None
    if number is None or not math.isfinite(number) or number < 0:
        raise InvalidArgumentError(f"{what} is a number >= 0, got {value!r}")
    return float(number)


def _number(value: float) -> str:
    return str(int(value)) if value.is_integer() else str(value)


def _text(value: Any) -> str:
    """A string as is; anything else as its JSON text (None: the empty string)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def _parsed(outputs: Any) -> Any:
    """The JSON value of the outputs; ValueError saying why they are not JSON."""
    if outputs is None:
        raise ValueError("there are no outputs")
    if isinstance(outputs, str):
        try:
            return json.loads(outputs)
        except json.JSONDecodeError as exc:
            raise ValueError(f"not JSON: {exc}") from exc
    try:
        return json.loads(json.dumps(outputs, allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"not a JSON value: {exc}") from exc


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "..."
