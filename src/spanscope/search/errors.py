"""Building InvalidFilterError messages: what was wrong, where (with a caret), what is accepted."""

from __future__ import annotations

from spanscope.exceptions import InvalidFilterError

__all__ = ["filter_error", "render_caret"]

# Long filters are shown as a window around the offending position so the message stays readable.
_WINDOW = 60


def render_caret(text: str, position: int) -> str:
    """Two lines: the line of `text` holding `position`, and a caret under it."""
    position = max(0, min(position, len(text)))
    start = text.rfind("\n", 0, position) + 1
    end = text.find("\n", position)
    if end < 0:
        end = len(text)
    prefix = ""
    suffix = ""
    if position - start > _WINDOW:
        start = position - _WINDOW
        prefix = "..."
    if end - position > _WINDOW:
        end = position + _WINDOW
        suffix = "..."
    # Non-printable characters (tabs, control codes) become spaces so the caret stays aligned.
    line = "".join(c if c.isprintable() else " " for c in text[start:end])
    column = len(prefix) + position - start
    return f"  {prefix}{line}{suffix}\n  {' ' * column}^"


def filter_error(
    text: str, position: int, message: str, accepted: str | None = None, subject: str = "filter"
) -> InvalidFilterError:
    """An InvalidFilterError for `text` pointing at the 0-based `position`."""
    head = f"invalid {subject}: {_escaped(message)} (at position {position})"
    parts = [head, render_caret(text, position)]
    if accepted:
        parts.append(_escaped(accepted))
    return InvalidFilterError("\n".join(parts), text, position)


def _escaped(message: str) -> str:
    """`message` with non-printable characters (control codes, NUL, lone surrogates) escaped as
    Python does, so it prints, logs and encodes anywhere, and stays on one line."""
    if message.isprintable():
        return message
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in message)
