"""Full-text search keeps the text once: in the rows that hold it (revision 0013).

SQLite: `trace_text` is a contentless FTS5 trigram index (content=''), one entry per trace
whose rowid is the trace row's rowid; it stores trigrams, not text. A search asks it for
candidates, then tests each text of a candidate exactly, read from the trace row (name,
previews) and its spans' rows (`stored_span_texts`: as the evaluator reads a stored span).
A contentless entry is removed with the text it was indexed with: writes remove a stored
trace's entry with the text derived again from its stored rows (`stored_trace_texts`) before
they index it anew. An entry whose removal text differs only leaves trigrams that pre-select
too much, never too little: the exact test decides.

PostgreSQL: trigram (GIN) indexes on expressions over the stored columns, `name || content`
of spans and name and previews of traces (PG_SPAN_INDEXED, PG_TRACE_INDEXED); candidates
are tested exactly on the name, the inputs and the outputs the span's JSON content holds.

The texts of a trace (`trace_text_fields`) are indexed as one:

Each text of `trace_text_fields` is escaped (SEPARATOR and ESCAPE inside it are replaced by
two-character codes) and the texts are joined with SEPARATOR, so a stored row splits back into
exactly those texts. Searches match a LIKE pattern against each text alone, never across the
boundary of two; the trigram index only pre-selects rows by the pattern's literal runs, which
never hold SEPARATOR or ESCAPE (see `literal_runs`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import orjson
from sqlalchemy import Connection

from spanscope.search import like_match
from spanscope.search.evaluate import value_texts
from spanscope.search.stored_text import replace_unstorable
from spanscope.store.sql.schema import TEXT_TABLE

__all__ = [
    "ESCAPE",
    "PG_SPAN_INDEXED",
    "PG_TRACE_INDEXED",
    "SEPARATOR",
    "case_stable_runs",
    "clear_index",
    "join_texts",
    "like_any",
    "literal_runs",
    "split_texts",
    "stored_span_texts",
    "stored_trace_texts",
]

# The indexed expressions on PostgreSQL ({t}: the table or its alias); queries must spell them
# alike for the planner to use the indexes. Texts run together: that only pre-selects more.
PG_SPAN_INDEXED = "({t}.name || {t}.content)"
PG_TRACE_INDEXED = (
    "(coalesce({t}.name, '') || coalesce({t}.request_preview, '') "
    "|| coalesce({t}.response_preview, ''))"
)
SEPARATOR = "\x1f"  # ASCII unit separator: JSON text never holds it unescaped
ESCAPE = "\x1e"
_ESCAPED_ESCAPE = ESCAPE + "e"
_ESCAPED_SEPARATOR = ESCAPE + "s"


def join_texts(texts: Iterable[str]) -> str | None:
    """The content of a trace's full-text row; None when the trace has no text. Sorted: the
    same texts in any order (spans as written, or as stored) index alike."""
    unique = sorted(set(texts))  # a text repeated in a trace matches once, like the evaluator
    if not unique:
        return None
    return SEPARATOR.join(_escape(t) if ESCAPE in t or SEPARATOR in t else t for t in unique)


def clear_index(conn: Connection) -> None:
    """Empty the full-text index (SQLite; PostgreSQL's indexes follow their tables), as
    deleting every trace row does: a contentless table takes no DELETE."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(f"INSERT INTO {TEXT_TABLE} ({TEXT_TABLE}) VALUES ('delete-all')")


def stored_span_texts(name: str, content: str) -> list[str]:
    """The texts of a stored span (its row's name and JSON content), as `span_text_fields`
    gives them for the span read back from the row."""
    data: dict[str, Any] = orjson.loads(content)
    return value_texts(name, data.get("inputs"), data.get("outputs"))


def stored_trace_texts(conn: Connection, trace_ids: Sequence[str]) -> dict[int, str]:
    """SQLite: rowid -> the indexed content of each stored trace of `trace_ids` with text,
    derived from its stored rows as the writer derived it from the trace."""
    if not trace_ids:
        return {}
    marks = ", ".join("?" for _ in trace_ids)
    texts: dict[str, list[str]] = {}
    rowids: dict[str, int] = {}
    for rowid, trace_id, *plain in conn.exec_driver_sql(
        "SELECT rowid, trace_id, name, request_preview, response_preview FROM traces "
        f"WHERE trace_id IN ({marks})",
        tuple(trace_ids),
    ):
        rowids[trace_id] = rowid
        texts[trace_id] = [replace_unstorable(t) for t in plain if t is not None]
    for trace_id, name, content in conn.exec_driver_sql(
        f"SELECT trace_id, name, content FROM spans WHERE trace_id IN ({marks})",
        tuple(trace_ids),
    ):
        if trace_id in texts:
            texts[trace_id].extend(stored_span_texts(name, content))
    joined = {rowids[i]: join_texts(t) for i, t in texts.items()}
    return {rowid: content for rowid, content in joined.items() if content is not None}


def split_texts(content: str) -> list[str]:
    """The texts of a full-text row, as `join_texts` got them (duplicates dropped)."""
    parts = content.split(SEPARATOR)
    if ESCAPE not in content:
        return parts
    return [_unescape(p) if ESCAPE in p else p for p in parts]


def like_any(content: str, pattern: str, *, case_insensitive: bool) -> bool:
    """Whether any text of a full-text row is LIKE (or ILIKE) `pattern`."""
    return any(
        like_match(t, pattern, case_insensitive=case_insensitive) for t in split_texts(content)
    )


def literal_runs(pattern: str) -> list[str]:
    """The literal runs of a canonical LIKE pattern, split at wildcards and at SEPARATOR or
    ESCAPE (escaping changes those characters in stored rows, so they cannot pre-select)."""
    runs: list[str] = []
    current: list[str] = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            i += 1
            char = pattern[i]
            breaks = char in (SEPARATOR, ESCAPE)
        else:
            breaks = char in ("%", "_", SEPARATOR, ESCAPE)
        if breaks:
            runs.append("".join(current))
            current = []
        else:
            current.append(char)
        i += 1
    runs.append("".join(current))
    return [run for run in runs if run]


def case_stable_runs(pattern: str, is_stable: Callable[[str], bool]) -> list[str]:
    """The literal runs of a canonical, lowered ILIKE pattern, split further at every character
    `is_stable` rejects: one the index may fold otherwise than Python's str.lower() (see
    store/sql/case_folding.py), so the index never misses a text ILIKE matches."""
    runs: list[str] = []
    for run in literal_runs(pattern):
        current: list[str] = []
        for char in run:
            if is_stable(char):
                current.append(char)
            elif current:
                runs.append("".join(current))
                current = []
        if current:
            runs.append("".join(current))
    return runs


def _escape(text: str) -> str:
    return text.replace(ESCAPE, _ESCAPED_ESCAPE).replace(SEPARATOR, _ESCAPED_SEPARATOR)


def _unescape(text: str) -> str:
    # Every ESCAPE in a stored text starts a two-character code, so replacing left to right
    # never mistakes the tail of one code for the start of another.
    return text.replace(_ESCAPED_SEPARATOR, SEPARATOR).replace(_ESCAPED_ESCAPE, ESCAPE)
