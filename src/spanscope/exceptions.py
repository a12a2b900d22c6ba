"""The exceptions spanscope raises to its callers.

* SpanscopeError
  * NotFoundError: an unknown trace, span or experiment id.
  * InvalidArgumentError: a value of the wrong kind, with what is accepted.
    * InvalidFilterError: a filter string that does not parse, with the position.
    * AlreadyExistsError: a name that is taken.
  * StorageUnavailableError: the store cannot be reached or cannot write right now (database
    down, disk full, a server answering 503): nothing was stored; try again later.
"""

from __future__ import annotations

__all__ = [
    "AlreadyExistsError",
    "InvalidArgumentError",
    "InvalidFilterError",
    "NotFoundError",
    "SpanscopeError",
    "StorageUnavailableError",
]


class SpanscopeError(Exception):
    """Base class of every error spanscope raises on purpose."""


class NotFoundError(SpanscopeError, LookupError):
    """An id that names no trace, span or experiment."""


class InvalidArgumentError(SpanscopeError, ValueError):
    """An argument of the wrong kind; the message says what is accepted."""


class InvalidFilterError(InvalidArgumentError):
    """A filter string that does not parse or type-check.

    `position` is the 0-based offset of the offending token in `filter_string`; the message
    shows it with a caret and lists the accepted fields and operators.
    """

    def __init__(self, message: str, filter_string: str = "", position: int | None = None) -> None:
        super().__init__(message)
        self.filter_string = filter_string
        self.position = position


class AlreadyExistsError(InvalidArgumentError):
    """A name (of an experiment) that is already taken."""


class StorageUnavailableError(SpanscopeError):
    """The store could not be reached or could not write; nothing of the call was stored.

    A transient condition (a database restarting, a full disk, a server answering 503): the
    exporters retry and spool on it, and the server answers it with 503 and `Retry-After`
    (`retry_after_s`, when known).
    """

    def __init__(self, message: str, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s
