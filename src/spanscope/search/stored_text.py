"""Text as every store keeps it: characters no database holds become U+FFFD, the replacement
character.

Those characters are U+0000 (NUL), which PostgreSQL cannot hold in text nor in jsonb (not even as
the JSON escape `\\u0000`), and lone surrogates (U+D800 to U+DFFF), which UTF-8 cannot encode.
The stores replace them everywhere they keep text, on every backend alike: in names, tags and
metadata (keys and values), previews, span attributes, inputs, outputs and events. Filters
compare the same way: such a character in a filter's value or key stands for U+FFFD, so
`name = 'a<NUL>b'` finds the trace stored with that name. The evaluator (`matches`) applies the
rule to both sides too, so it gives the same answer on a trace before and after it is stored.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = [
    "NUL",
    "REPLACEMENT",
    "has_nul_escape",
    "has_unstorable",
    "has_unstorable_json",
    "replace_unstorable",
    "replace_unstorable_deep",
    "replace_unstorable_json",
]

NUL = "\x00"
REPLACEMENT = "\ufffd"
_NUL_ESCAPE = "\\u0000"
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# A backslash escapes the character after it, so `\\u0000` is a backslash and "u0000": pairs
# of backslashes are consumed first, left to right, and only a lone `\u0000` is a NUL.
_JSON_ESCAPES = re.compile(r"\\(\\|u0000)")


def has_unstorable(text: str) -> bool:
    """Whether `text` holds U+0000 or a lone surrogate."""
    if text.isascii():  # a flag CPython keeps: no scan
        return NUL in text
    return _UNSTORABLE.search(text) is not None


def replace_unstorable(text: str) -> str:
    """`text` with U+0000 and lone surrogates replaced by U+FFFD."""
    if text.isascii():
        return text.replace(NUL, REPLACEMENT) if NUL in text else text
    return _UNSTORABLE.sub(REPLACEMENT, text)


def has_nul_escape(text: str) -> bool:
    """Whether JSON text encodes U+0000 as `\\u0000` (all a JSON encoder such as orjson, which
    never writes raw control characters and refuses lone surrogates, can hold)."""
    if _NUL_ESCAPE not in text:
        return False
    return any(match.group(1) != "\\" for match in _JSON_ESCAPES.finditer(text))


def has_unstorable_json(text: str) -> bool:
    """Whether JSON text encodes U+0000 (as `\\u0000`, or raw) or holds a lone surrogate."""
    return has_nul_escape(text) or has_unstorable(text)


def replace_unstorable_json(text: str) -> str:
    """JSON `text` whose strings (keys too) hold U+FFFD wherever they held U+0000 or a lone
    surrogate."""
    if _NUL_ESCAPE in text:
        text = _JSON_ESCAPES.sub(_unescape_nul, text)
    return replace_unstorable(text)


def replace_unstorable_deep(value: Any) -> Any:
    """A JSON-like value (dicts, lists, strings...) with every string, keys too, replaced."""
    if isinstance(value, str):
        return replace_unstorable(value)
    if isinstance(value, dict):
        return {replace_unstorable_deep(k): replace_unstorable_deep(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [replace_unstorable_deep(v) for v in value]
    return value


def _unescape_nul(match: re.Match[str]) -> str:
    return match.group(0) if match.group(1) == "\\" else REPLACEMENT
