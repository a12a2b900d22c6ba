"""What route handlers share: the store of the running server."""

from __future__ import annotations

from fastapi import Request

from spanscope.store.base import TraceStore

__all__ = ["get_store"]


def get_store(request: Request) -> TraceStore:
    store: TraceStore = request.app.state.store
    return store
