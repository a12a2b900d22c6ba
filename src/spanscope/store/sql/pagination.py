"""Keyset page tokens: the sort values of the last row, so a page never skips or repeats."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any

import orjson
from sqlalchemy import ColumnElement, and_, or_

from spanscope.exceptions import InvalidArgumentError

__all__ = ["after_token", "decode_token", "encode_token"]


def encode_token(values: Sequence[Any], context: str) -> str:
    payload = orjson.dumps({"v": list(values), "c": context})
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


def decode_token(token: str, context: str, length: int) -> list[Any]:
    """The sort values a token carries; InvalidArgumentError if it is not one of ours for
    this query (another filter or order, or garbage)."""
    try:
        padded = token + "=" * (-len(token) % 4)
        payload = orjson.loads(base64.urlsafe_b64decode(padded.encode()))
        values, found = payload["v"], payload["c"]
    except Exception:
        raise InvalidArgumentError(f"invalid page token {token!r}") from None
    if not isinstance(values, list) or len(values) != length:
        raise InvalidArgumentError(f"invalid page token {token!r}")
    if found != context:
        raise InvalidArgumentError(
            "page token was issued for another query: pass the same filter, order and "
            "experiments as the request that returned it"
        )
    return values


def after_token(keys: Sequence[tuple[Any, bool]], values: Sequence[Any]) -> ColumnElement[bool]:
    """Rows strictly after `values` in the order of `keys` ((expression, ascending) pairs)."""
    clauses = []
    for i, (expr, ascending) in enumerate(keys):
        equal = [k == v for (k, _), v in zip(keys[:i], values[:i], strict=True)]
        step = expr > values[i] if ascending else expr < values[i]
        clauses.append(and_(*equal, step))
    return or_(*clauses)
