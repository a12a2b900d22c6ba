"""Span times: kept in integer nanoseconds, compared in (possibly fractional) milliseconds.

`duration_ms > 1.5` is read exactly, as `duration_ns > 1_500_000` (a literal as the decimal it
is written as): a millisecond literal is
turned into the equivalent test on the integer nanoseconds once, and both the evaluator and the
SQL stores run that test, so no float rounding can make them disagree (and SQL keeps its index).
"""

from __future__ import annotations

import math
from fractions import Fraction

from spanscope.search.ast import Op, Scalar, Value

__all__ = ["NanosTest", "nanos_test", "passes_nanos"]

_INT64_MIN = -(2**63)
_INT64_MAX = 2**63 - 1
_NS_PER_MS = 1_000_000

# (op, integer nanoseconds or a tuple of them); True: any present value passes; False: none.
NanosTest = tuple[Op, int | tuple[int, ...]] | bool


def _exact_ns(value: Scalar) -> Fraction:
    assert isinstance(value, (int, float)) and not isinstance(value, bool)
    # A float is read as the decimal it prints as (the literal written): 0.001 ms is 1000 ns,
    # not the binary float's value a hair above it.
    exact = Fraction(repr(value)) if isinstance(value, float) else Fraction(value)
    return exact * _NS_PER_MS


def _in_range(n: int) -> bool:
    return _INT64_MIN <= n <= _INT64_MAX


def nanos_test(op: Op, value: Value) -> NanosTest:
    """The test on a present nanosecond value equivalent to `<ms> op value`."""
    if isinstance(value, tuple):
        whole = [int(f) for f in map(_exact_ns, value) if f.denominator == 1 and _in_range(int(f))]
        if not whole:
            return op is Op.NOT_IN
        return op, tuple(whole)
    exact = _exact_ns(value)  # type: ignore[arg-type]
    if op in (Op.EQ, Op.NE):
        if exact.denominator != 1 or not _in_range(int(exact)):
            return op is Op.NE
        return op, int(exact)
    # Integers n with n > x are those with n > floor(x); n >= x: n >= ceil(x); and so on.
    bound = math.floor(exact) if op in (Op.GT, Op.LE) else math.ceil(exact)
    if bound > _INT64_MAX:
        return op in (Op.LT, Op.LE)
    if bound < _INT64_MIN:
        return op in (Op.GT, Op.GE)
    return op, bound


def passes_nanos(test: NanosTest, actual: int | None) -> bool:
    """Whether the nanosecond value `actual` (None: missing, never passes) passes `test`."""
    if actual is None:
        return False
    if isinstance(test, bool):
        return test
    op, n = test
    if isinstance(n, tuple):
        return (actual in n) == (op is Op.IN)
    return {
        Op.EQ: actual == n,
        Op.NE: actual != n,
        Op.LT: actual < n,
        Op.LE: actual <= n,
        Op.GT: actual > n,
        Op.GE: actual >= n,
    }[op]
