"""Trace = TraceInfo + TraceData."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import orjson

from spanscope.entities.span import Span
from spanscope.entities.trace_info import TraceInfo
from spanscope.entities.tree_text import render_tree

__all__ = ["Trace", "TraceData"]


@dataclass(slots=True)
class TraceData:
    """The spans of a trace, parents before children where start times allow."""

    spans: list[Span] = field(default_factory=list)

    @property
    def root(self) -> Span | None:
        ids = {span.span_id for span in self.spans}
        for span in self.spans:
            if span.parent_id is None or span.parent_id not in ids:
                return span
        return None

    def to_dict(self) -> dict[str, Any]:
        return {"spans": [span.to_dict() for span in self.spans]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TraceData:
        return cls([Span.from_dict(s) for s in data.get("spans") or []])


@dataclass(slots=True)
class Trace:
    """One end-to-end request of the application: its info and its spans."""

    info: TraceInfo
    data: TraceData

    # How a notebook shows traces: set by `spanscope.display` when it is imported (the
    # entities know nothing of display); without it a notebook shows the text tree.
    renderer: ClassVar[Callable[[Sequence[Trace]], dict[str, str]] | None] = None

    @property
    def trace_id(self) -> str:
        return self.info.trace_id

    @property
    def spans(self) -> list[Span]:
        return self.data.spans

    def search_spans(
        self,
        name: str | re.Pattern[str] | None = None,
        span_type: str | None = None,
        span_id: str | None = None,
    ) -> list[Span]:
        """Spans matching every given criterion; `name` may be a string or a regex."""
        found = []
        for span in self.data.spans:
            if span_type is not None and span.span_type != span_type:
                continue
            if span_id is not None and span.span_id != span_id:
                continue
            if isinstance(name, re.Pattern):
                if not name.search(span.name):
                    continue
            elif name is not None and span.name != name:
                continue
            found.append(span)
        return found

    def to_dict(self) -> dict[str, Any]:
        return {"info": self.info.to_dict(), "data": self.data.to_dict()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Trace:
        return cls(TraceInfo.from_dict(data["info"]), TraceData.from_dict(data["data"]))

    def to_json(self, pretty: bool = False) -> str:
        option = orjson.OPT_INDENT_2 if pretty else 0
        return orjson.dumps(self.to_dict(), option=option).decode()

    @classmethod
    def from_json(cls, text: str | bytes) -> Trace:
        return cls.from_dict(orjson.loads(text))

    def to_text(self) -> str:
        """The span tree as indented text, for terminals and logs."""
        return render_tree(self.info, self.data.spans)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        """Jupyter display: what `Trace.renderer` makes of it, else the text tree."""
        renderer = Trace.renderer
        if renderer is None:
            return {"text/plain": self.to_text()}
        return renderer([self])

    def _repr_html_(self) -> str | None:
        return self._repr_mimebundle_().get("text/html")
