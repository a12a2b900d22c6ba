"""Text as every store keeps it: U+0000 (NUL) becomes U+FFFD (the replacement character).

PostgreSQL cannot hold U+0000 in text, nor in jsonb (not even as the JSON escape `\\u0000`), so
the stores replace it everywhere they keep text, on every backend alike: in names, tags and
metadata (keys and values), previews, span attributes, inputs, outputs and events. Filters
compare the same way: a NUL in a filter's value or key stands for U+FFFD, so
`name = 'a<NUL>b'` finds the trace stored with that name. The evaluator (`matches`) applies the
rule to both sides too, so it gives the same answer on a trace before and after it is stored.
"""

from __future__ import annotations

import re

__all__ = ["NUL", "NUL_REPLACEMENT", "has_nul_json", "replace_nul", "replace_nul_json"]

NUL = "\x00"
NUL_REPLACEMENT = "\ufffd"
_NUL_ESCAPE = "\\u0000"
# A backslash escapes the character after it, so `\\u0000` is a backslash and "u0000": pairs
# of backslashes are consumed first, left to right, and only a lone `\u0000` is a NUL.
_JSON_ESCAPES = re.compile(r"\\(\\|u0000)")


def replace_nul(text: str) -> str:
    """`text` with each U+0000 replaced by U+FFFD."""
    return text.replace(NUL, NUL_REPLACEMENT) if NUL in text else text


def has_nul_json(text: str) -> bool:
    """Whether JSON text may encode a U+0000 (as `\\u0000`, or raw); false positives are fine."""
    return _NUL_ESCAPE in text or NUL in text


def replace_nul_json(text: str) -> str:
    """JSON `text` whose strings (keys too) hold U+FFFD wherever they held U+0000."""
    if _NUL_ESCAPE in text:
        text = _JSON_ESCAPES.sub(_unescape_nul, text)
    return replace_nul(text)


def _unescape_nul(match: re.Match[str]) -> str:
    return match.group(0) if match.group(1) == "\\" else NUL_REPLACEMENT
