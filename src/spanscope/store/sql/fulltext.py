"""The full-text table holds one row per trace: its searchable texts, joined by a separator.

Each text of `trace_text_fields` is escaped (SEPARATOR and ESCAPE inside it are replaced by
two-character codes) and the texts are joined with SEPARATOR, so a stored row splits back into
exactly those texts. Searches match a LIKE pattern against each text alone, never across the
boundary of two; the trigram index only pre-selects rows by the pattern's literal runs, which
never hold SEPARATOR or ESCAPE (see `literal_runs`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from spanscope.search import like_match

__all__ = [
    "ESCAPE",
    "SEPARATOR",
    "case_stable_runs",
    "join_texts",
    "like_any",
    "literal_runs",
    "split_texts",
]

SEPARATOR = "\x1f"  # ASCII unit separator: JSON text never holds it unescaped
ESCAPE = "\x1e"
_ESCAPED_ESCAPE = ESCAPE + "e"
_ESCAPED_SEPARATOR = ESCAPE + "s"


def join_texts(texts: Iterable[str]) -> str | None:
    """The content of a trace's full-text row; None when the trace has no text."""
    unique = dict.fromkeys(texts)  # a text repeated in a trace matches once, like the evaluator
    if not unique:
        return None
    return SEPARATOR.join(_escape(t) if ESCAPE in t or SEPARATOR in t else t for t in unique)


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
