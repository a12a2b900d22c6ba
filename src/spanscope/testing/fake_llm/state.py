"""The fake server's mutable state: recorded requests, queued failures and the prompt cache."""

from __future__ import annotations

import hashlib
import json
import threading
from collections import deque
from collections.abc import Sequence
from typing import Any, TypeAlias

from spanscope.testing.fake_llm.conversation import ReplyFn
from spanscope.testing.fake_llm.wire import RecordedRequest

__all__ = ["Failure", "PromptCache", "ServerState", "prefix_key"]

Failure: TypeAlias = int | str
"""An HTTP error status (400-599), or "stream" for a stream that breaks after its first chunk."""


def prefix_key(*parts: Any) -> str:
    """A stable key for a prompt prefix (any JSON-serialisable parts)."""
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


class PromptCache:
    """Remembers prompt prefixes, so that a prefix seen before reports cached tokens."""

    def __init__(self) -> None:
        self._seen: set[str] = set()
        self._lock = threading.Lock()

    def lookup(self, breakpoints: Sequence[tuple[str, int]]) -> tuple[int, int]:
        """(tokens read, tokens written) for cache breakpoints in prompt order.

        Each breakpoint is (prefix key, tokens up to and including it). The longest prefix seen
        before is read from the cache; the rest up to the last breakpoint is written to it.
        """
        if not breakpoints:
            return 0, 0
        with self._lock:
            read = next((n for key, n in reversed(breakpoints) if key in self._seen), 0)
            self._seen.update(key for key, _ in breakpoints)
        return read, breakpoints[-1][1] - read

    def clear(self) -> None:
        with self._lock:
            self._seen.clear()


class ServerState:
    """Shared by the handler threads; every method is thread-safe."""

    def __init__(self, reply: str | ReplyFn | None = None) -> None:
        self.reply: ReplyFn | None = _reply_fn(reply)
        self.cache = PromptCache()
        self._requests: list[RecordedRequest] = []
        self._failures: deque[Failure] = deque()
        self._lock = threading.Lock()

    def record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def fail_next(self, failure: Failure, times: int = 1) -> None:
        if not (isinstance(failure, int) and 400 <= failure <= 599) and failure != "stream":
            raise ValueError(f"failure must be an HTTP status 400-599 or 'stream', got {failure!r}")
        with self._lock:
            self._failures.extend([failure] * times)

    def take_failure(self) -> Failure | None:
        with self._lock:
            return self._failures.popleft() if self._failures else None

    def reset(self) -> None:
        with self._lock:
            self._requests.clear()
            self._failures.clear()
        self.cache.clear()


def _reply_fn(reply: str | ReplyFn | None) -> ReplyFn | None:
    if isinstance(reply, str):
        text = reply
        return lambda _prompt: text
    return reply
