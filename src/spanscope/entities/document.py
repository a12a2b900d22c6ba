"""The retriever schema: what a RETRIEVER span's outputs hold."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Document"]


@dataclass(slots=True)
class Document:
    """A retrieved document: its text, metadata (`doc_uri`, `chunk_id`, ...) and id."""

    page_content: str
    metadata: dict[str, Any] = field(default_factory=dict)
    id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"page_content": self.page_content, "metadata": dict(self.metadata), "id": self.id}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Document:
        return cls(
            str(data.get("page_content", "")), dict(data.get("metadata") or {}), data.get("id")
        )
