"""The FastAPI app every service is built on.

``create_service_app`` wires what all services share — problem+json
errors, request tracing, ``/metrics``, ``/healthz`` (the process is alive)
and ``/readyz`` (its database, broker and consumers are usable) — and runs
the service's ``Runtime`` in the lifespan. Routes reach the runtime through
the ``RuntimeDep`` / ``PoolDep`` dependencies.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from opentelemetry import trace

from meriter_shared.db.types import Pool
from meriter_shared.errors import install_problem_handlers
from meriter_shared.observability.logs import setup_logging
from meriter_shared.observability.metrics import install_http_metrics
from meriter_shared.observability.tracing import extract_context, setup_tracing
from meriter_shared.runtime import Runtime
from meriter_shared.settings import ServiceSettings

_tracer = trace.get_tracer(__name__)
Hook = Callable[[FastAPI, Runtime], Awaitable[None]]


def create_service_app(
    settings: ServiceSettings,
    runtime: Runtime,
    *,
    title: str,
    routers: Sequence[APIRouter] = (),
    on_startup: Sequence[Hook] = (),
    on_shutdown: Sequence[Hook] = (),
) -> FastAPI:
    setup_logging(settings.service_name, settings.log_level)
    setup_tracing(settings.service_name, settings.otlp_endpoint)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        try:
            for hook in on_startup:
                await hook(app, runtime)
            yield
        finally:
            for hook in on_shutdown:
                await hook(app, runtime)
            await runtime.stop()

    app = FastAPI(title=title, version="0.1.0", lifespan=lifespan)
    app.state.runtime = runtime
    app.state.settings = settings
    install_problem_handlers(app)
    install_http_metrics(app, settings.service_name)

    @app.middleware("http")
    async def _trace(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        ctx = extract_context(dict(request.headers))
        with _tracer.start_as_current_span(
            f"{request.method} {request.url.path}", context=ctx, kind=trace.SpanKind.SERVER
        ):
            return await call_next(request)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> JSONResponse:
        checks = await runtime.readiness()
        ok = all(checks.values())
        return JSONResponse(
            {"status": "ready" if ok else "not ready", "checks": checks},
            status_code=200 if ok else 503,
            headers={} if ok else {"Retry-After": "5"},
        )

    for router in routers:
        app.include_router(router)
    return app


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def get_pool(request: Request) -> Pool:
    return get_runtime(request).pool


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
PoolDep = Annotated[Pool, Depends(get_pool)]


def serve(app: FastAPI, settings: ServiceSettings) -> None:
    """Run ``app`` under uvicorn until SIGINT/SIGTERM (graceful shutdown)."""
    import uvicorn

    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=10,
    )
