"""Which characters of a lowered ILIKE pattern may pre-select rows through the full-text index.

The exact ILIKE compares Python's `str.lower()` (comparisons.py); the index folds case its own way:
SQLite's FTS5 by its own Unicode tables, pg_trgm and PostgreSQL's ILIKE by the database's
collation (`C` folds ASCII only). A pattern character c may pre-select only where the index folds
every character `str.lower()` turns into c to one same character: then every text ILIKE matches
holds the run as the index folds it, and the pre-selection never drops a match.

The index's folding is probed once per store, by asking the database how it folds each character
with case (a few thousand, in one statement); the other characters (digits, punctuation, CJK...)
are stable as they are. `i` and the combining dot above never are: `İ` lowers to both.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable

__all__ = ["is_case_stable", "lower_classes", "sqlite_index_folds", "stable_characters"]

_PROBE_LIMIT = 0x1F000  # characters with case end before this (Adlam, U+1E900...)
_NEVER = frozenset({"i", "\u0307"})


@functools.cache
def lower_classes() -> dict[str, frozenset[str]]:
    """For each one-character lower-case form c, the characters `str.lower()` turns into c
    (c itself included; a capital sigma lowers to the final ς at the end of a word)."""
    classes: dict[str, set[str]] = {}
    for code in range(_PROBE_LIMIT):
        char = chr(code)
        lowered = char.lower()
        if (lowered != char or char.upper() != char) and len(lowered) == 1:
            classes.setdefault(lowered, {lowered}).add(char)
    classes.setdefault("ς", {"ς"}).add("Σ")
    return {c: frozenset(members) for c, members in classes.items()}


def stable_characters(fold: Callable[[list[str]], list[str]]) -> frozenset[str]:
    """The lower-case forms whose whole class `fold` (the index's folding of each character,
    in order) maps to one character."""
    classes = lower_classes()
    members = sorted(set().union(*classes.values()))
    folded = dict(zip(members, fold(members), strict=True))
    return frozenset(
        c
        for c, members_of_c in classes.items()
        if c not in _NEVER and len({folded[m] for m in members_of_c}) == 1
    )


def is_case_stable(char: str, stable: Callable[[], frozenset[str]] | None) -> bool:
    """Whether `char`, in a lowered ILIKE pattern, may pre-select rows; `stable` gives the
    store's probed set (None: no probe, only characters without case and ASCII qualify)."""
    if char in _NEVER:
        return False
    if char.isascii():
        # ASCII letters fold alike everywhere (Turkic collations aside, whose I is excluded
        # with i), except k, which the Kelvin sign lowers to.
        return char != "k" or (stable is not None and char in stable())
    if char not in lower_classes() and char.upper() == char:  # no case
        return True
    return stable is not None and char in stable()


def sqlite_index_folds(chars: list[str]) -> list[str]:
    """How SQLite's FTS5 trigram tokenizer folds each character (this process's SQLite)."""
    conn = sqlite3.connect(":memory:")
    try:
        conn.execute("CREATE VIRTUAL TABLE probe USING fts5(c, tokenize='trigram')")
        conn.execute("CREATE VIRTUAL TABLE terms USING fts5vocab(probe, 'instance')")
        rows = [(i + 1, char * 3) for i, char in enumerate(chars)]
        conn.executemany("INSERT INTO probe (rowid, c) VALUES (?, ?)", rows)
        found = dict(conn.execute("SELECT doc, term FROM terms"))
    finally:
        conn.close()
    # A character the tokenizer drops folds to nothing: never equal to a letter's folding.
    return [str(found.get(i + 1, ""))[:1] for i in range(len(chars))]
