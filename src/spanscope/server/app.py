"""The FastAPI application: REST API, OTLP ingest, the UI, and the middleware around them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from starlette.exceptions import HTTPException

from spanscope import __version__
from spanscope.exceptions import SpanscopeError
from spanscope.server.docs import mount_docs
from spanscope.server.middleware import (
    ErrorMiddleware,
    RequestBodyMiddleware,
    SecurityHeadersMiddleware,
    TokenMiddleware,
)
from spanscope.server.responses import (
    http_exception_handler,
    spanscope_error_handler,
    validation_error_handler,
)
from spanscope.server.routers import (
    assessments,
    datasets,
    evaluation_runs,
    experiments,
    health,
    otlp,
    otlp_logs,
    spans,
    traces,
)
from spanscope.server.settings import ServerSettings
from spanscope.server.ui import mount_ui
from spanscope.store.base import TraceStore
from spanscope.store.uri import get_store

__all__ = ["create_app", "create_app_from_env"]


def create_app(settings: ServerSettings, store: TraceStore | None = None) -> FastAPI:
    """The server app over `settings.backend_store_uri` (or an already opened `store`)."""
    opened = store if store is not None else get_store(settings.backend_store_uri)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        if store is None:
            opened.close()

    app = FastAPI(
        title="spanscope",
        version=__version__,
        description="Traces of GenAI applications: REST API and OTLP ingest.",
        lifespan=lifespan,
        # Served by mount_docs from the package's files, not FastAPI's CDN links.
        docs_url=None,
        redoc_url=None,
    )
    app.state.store = opened
    app.state.settings = settings
    app.add_exception_handler(SpanscopeError, spanscope_error_handler)
    app.add_exception_handler(RequestValidationError, validation_error_handler)
    app.add_exception_handler(HTTPException, http_exception_handler)
    app.include_router(health.router)
    app.include_router(experiments.router)
    app.include_router(traces.router)
    app.include_router(spans.router)
    app.include_router(assessments.router)
    app.include_router(assessments.summary_router)
    app.include_router(assessments.batch_router)
    app.include_router(datasets.router)
    app.include_router(evaluation_runs.experiment_router)
    app.include_router(evaluation_runs.router)
    app.include_router(otlp.router)
    app.include_router(otlp_logs.router)
    mount_docs(app)
    mount_ui(app)
    # Starlette runs the last added middleware first. From the outside in: security headers
    # on every answer, the token check, the body (content type, size, decompression), CORS,
    # then the catch-all that turns whatever a route raises into a JSON answer (inside CORS,
    # so a cross-origin client can read its 503).
    app.add_middleware(ErrorMiddleware)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=["retry-after"],
        )
    app.add_middleware(RequestBodyMiddleware, max_bytes=settings.max_body_bytes)
    if settings.token:
        app.add_middleware(TokenMiddleware, token=settings.token)
    app.add_middleware(SecurityHeadersMiddleware)
    return app


def create_app_from_env() -> FastAPI:
    """For uvicorn workers (`--workers N`): settings come from SPANSCOPE_SERVER_* variables."""
    return create_app(ServerSettings.from_env())
