"""Stores of experiments and traces: SQLite, PostgreSQL, and (via a server) HTTP."""

from spanscope.store.base import PagedList, TraceStore

__all__ = ["PagedList", "TraceStore"]
