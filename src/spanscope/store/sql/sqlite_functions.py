"""Python functions registered on every SQLite connection, for exact LIKE / ILIKE semantics.

SQLite's own lower() folds ASCII only, and FTS5 applies LIKE its own way; these give SQLite the
same answers as PostgreSQL and the Python evaluator of the filter language.
"""

from __future__ import annotations

import sqlite3

from spanscope.search import like_match
from spanscope.store.sql.fulltext import like_any, stored_span_texts

__all__ = ["register"]


def register(connection: sqlite3.Connection) -> None:
    connection.create_function("spanscope_lower", 1, _lower, deterministic=True)
    connection.create_function("spanscope_like", 3, _like, deterministic=True)
    connection.create_function("spanscope_text_like", 3, _text_like, deterministic=True)
    connection.create_function("spanscope_span_like", 4, _span_like, deterministic=True)


def _lower(value: object) -> str | int | float | bytes | None:
    if isinstance(value, str):
        return value.lower()
    return value if isinstance(value, (int, float, bytes)) else None


def _like(value: object, pattern: object, case_insensitive: object) -> int | None:
    if not isinstance(value, str) or not isinstance(pattern, str):
        return None
    return int(like_match(value, pattern, case_insensitive=bool(case_insensitive)))


def _text_like(content: object, pattern: object, case_insensitive: object) -> int | None:
    """`_like` over each text of a full-text row (store/sql/fulltext.py)."""
    if not isinstance(content, str) or not isinstance(pattern, str):
        return None
    return int(like_any(content, pattern, case_insensitive=bool(case_insensitive)))


def _span_like(name: object, content: object, pattern: object, case_insensitive: object) -> int:
    """`_like` over each text of a stored span (fulltext.stored_span_texts)."""
    if not isinstance(name, str) or not isinstance(content, str) or not isinstance(pattern, str):
        return 0
    insensitive = bool(case_insensitive)
    texts = stored_span_texts(name, content)
    return int(any(like_match(t, pattern, case_insensitive=insensitive) for t in texts))
