"""Server settings: from `spanscope server` options or SPANSCOPE_SERVER_* variables."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

__all__ = ["DEFAULT_MAX_BODY_BYTES", "ServerSettings"]

DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class ServerSettings:
    """What a server process needs to know; workers read it from the environment."""

    backend_store_uri: str
    token: str | None = None
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    cors_origins: tuple[str, ...] = field(default_factory=tuple)

    def to_env(self) -> dict[str, str]:
        env = {
            "SPANSCOPE_SERVER_BACKEND_STORE_URI": self.backend_store_uri,
            "SPANSCOPE_SERVER_MAX_BODY_BYTES": str(self.max_body_bytes),
            "SPANSCOPE_SERVER_CORS_ORIGINS": ",".join(self.cors_origins),
        }
        if self.token:
            env["SPANSCOPE_SERVER_TOKEN"] = self.token
        return env

    @classmethod
    def from_env(cls) -> ServerSettings:
        from spanscope.store.uri import get_tracking_uri

        origins = os.environ.get("SPANSCOPE_SERVER_CORS_ORIGINS", "")
        return cls(
            backend_store_uri=os.environ.get("SPANSCOPE_SERVER_BACKEND_STORE_URI")
            or get_tracking_uri(),
            token=os.environ.get("SPANSCOPE_SERVER_TOKEN") or None,
            max_body_bytes=int(
                os.environ.get("SPANSCOPE_SERVER_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES)
            ),
            cors_origins=tuple(o.strip() for o in origins.split(",") if o.strip()),
        )
