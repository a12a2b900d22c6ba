"""`spanscope server`"""

from __future__ import annotations

import contextlib
import os

import click

from spanscope.constants import ENV_SQLITE_CACHE_MIB, SERVER_SQLITE_CACHE_MIB
from spanscope.server.settings import DEFAULT_MAX_BODY_BYTES, ServerSettings
from spanscope.store.uri import get_store, get_tracking_uri, redact_uri

__all__ = ["server"]


@click.command("server")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind.")
@click.option("--port", default=5000, show_default=True, type=int)
@click.option(
    "--backend-store-uri",
    envvar="SPANSCOPE_SERVER_BACKEND_STORE_URI",
    help=(
        "sqlite:///path.db, postgresql://... or a registered backend's URI "
        "(default: the tracking URI)."
    ),
)
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64))
@click.option(
    "--token",
    envvar="SPANSCOPE_SERVER_TOKEN",
    help="Require 'Authorization: Bearer <token>' on every API route (prefer the variable).",
)
@click.option(
    "--max-body-bytes", default=DEFAULT_MAX_BODY_BYTES, show_default=True, type=click.IntRange(1)
)
@click.option("--cors-origins", default="", help="Comma-separated origins; CORS is off if empty.")
@click.option("--log-level", default="info", show_default=True)
def server(
    host: str,
    port: int,
    backend_store_uri: str | None,
    workers: int,
    token: str | None,
    max_body_bytes: int,
    cors_origins: str,
    log_level: str,
) -> None:
    """Run the tracking server: REST API, OTLP ingest at /v1/traces, and the web UI."""
    try:
        import uvicorn

        from spanscope.server.app import create_app
    except ImportError as exc:
        raise click.UsageError(
            f"the server needs its extra ({exc.name} is missing): pip install 'spanscope[server]'"
        ) from None

    settings = ServerSettings(
        backend_store_uri=backend_store_uri or get_tracking_uri(),
        token=token or None,
        max_body_bytes=max_body_bytes,
        cors_origins=tuple(o.strip() for o in cors_origins.split(",") if o.strip()),
    )
    # The server's page cache, unless one is chosen; workers inherit it with the environment.
    os.environ.setdefault(ENV_SQLITE_CACHE_MIB, str(SERVER_SQLITE_CACHE_MIB))
    store = get_store(settings.backend_store_uri)  # migrates once, before workers start
    where = redact_uri(settings.backend_store_uri)
    click.echo(f"spanscope server on http://{host}:{port} (store: {where})")
    if workers == 1:
        uvicorn.run(create_app(settings, store), host=host, port=port, log_level=log_level)
        return
    store.close()
    os.environ.update(settings.to_env())
    from uvicorn.supervisors import Multiprocess

    from spanscope.cli.uvicorn_config import NoDelayConfig

    # What uvicorn.run(workers=N) does, with a socket that keeps keep-alive replies prompt.
    config = NoDelayConfig(
        "spanscope.server.app:create_app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
    )
    with contextlib.suppress(KeyboardInterrupt):
        Multiprocess(config, sockets=[config.bind_socket()]).run()
