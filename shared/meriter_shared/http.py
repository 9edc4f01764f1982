"""The FastAPI app every service is built on.

``create_service_app`` wires what all services share — problem+json
errors, input hygiene (``hygiene.py``), request tracing, ``/metrics``,
``/healthz`` (the process is alive) and ``/readyz`` (its database, broker
and consumers are usable) — and runs the service's ``Runtime`` in the
lifespan. Routes reach the runtime through
the ``RuntimeDep`` / ``PoolDep`` dependencies.
"""

from __future__ import annotations

import gc
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.telemetry import TelemetryConfig
from starlette.middleware import Middleware

from meriter_shared.db.types import Pool
from meriter_shared.errors import install_problem_handlers
from meriter_shared.hygiene import GuardInput
from meriter_shared.observability.logs import setup_logging
from meriter_shared.observability.metrics import install_metrics_endpoint
from meriter_shared.observability.requests import ObserveRequests
from meriter_shared.observability.tracing import setup_tracing
from meriter_shared.openapi import install_openapi
from meriter_shared.runtime import Runtime
from meriter_shared.settings import ServiceSettings

Hook = Callable[[FastAPI, Runtime], Awaitable[None]]

# FastAPI's native OpenTelemetry makes each request's server span (continuing
# the caller's traceparent, named by route template). Per-dependency spans
# cost more than a hot lookup; metrics are Prometheus's and logs are ours.
TELEMETRY: TelemetryConfig = {
    "tracing": True,
    "operation_spans": False,
    "metrics": False,
    "logs": False,
}


def create_service_app(
    settings: ServiceSettings,
    runtime: Runtime,
    *,
    title: str,
    routers: Sequence[APIRouter] = (),
    on_startup: Sequence[Hook] = (),
    on_shutdown: Sequence[Hook] = (),
    middleware: Sequence[Middleware] = (),
) -> FastAPI:
    """The service's app; ``middleware`` runs innermost, inside the span and metrics."""
    setup_logging(settings.service_name, settings.log_level)
    setup_tracing(settings.service_name, settings.otlp_endpoint)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        try:
            for hook in on_startup:
                await hook(app, runtime)
            # What start-up made lives as long as the process: keep it out of
            # the collector's way, so full collections stay short under load.
            gc.freeze()
            yield
        finally:
            for hook in on_shutdown:
                await hook(app, runtime)
            await runtime.stop()

    app = FastAPI(
        title=title,
        version="0.1.0",
        lifespan=lifespan,
        telemetry=TELEMETRY,
    )
    app.state.runtime = runtime
    app.state.settings = settings
    install_problem_handlers(app)
    install_openapi(app)
    install_metrics_endpoint(app)
    for inner in reversed(middleware):  # the first given is the outermost of them
        app.add_middleware(inner.cls, *inner.args, **inner.kwargs)
    app.add_middleware(GuardInput, max_body_bytes=settings.max_body_bytes)
    app.add_middleware(ObserveRequests, service=settings.service_name)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> JSONResponse:
        return await readiness_response(runtime)

    for router in routers:
        app.include_router(router)
    return app


async def readiness_response(runtime: Runtime) -> JSONResponse:
    """``/readyz``: 200 when every dependency of this process is usable, else 503.

    Work parked for an operator (outbox rows the broker refuses) leaves the
    process serving — taking it out of rotation would not help — but the
    answer says ``degraded`` and what is parked.
    """
    checks = await runtime.readiness()
    ok = all(checks.values())
    body: dict[str, Any] = {"status": "ready" if ok else "not ready", "checks": checks}
    degraded = await runtime.degradations()
    if degraded:
        body["degraded"] = degraded
        if ok:
            body["status"] = "degraded"
    return JSONResponse(
        body, status_code=200 if ok else 503, headers={} if ok else {"Retry-After": "5"}
    )


# Dependencies are coroutines: FastAPI runs a plain ``def`` dependency in its
# thread pool, a hop that costs more than the look-up itself on a hot route.
async def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


async def get_pool(request: Request) -> Pool:
    runtime: Runtime = request.app.state.runtime
    return runtime.pool


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
PoolDep = Annotated[Pool, Depends(get_pool)]


def serve(app_factory: str, settings: ServiceSettings) -> None:
    """Run the app ``module:factory`` makes under uvicorn until SIGINT/SIGTERM.

    With ``workers`` > 1, uvicorn's supervisor runs that many processes on the
    one socket, each calling the factory (which reads its settings from the
    environment); shutdown is graceful in each.
    """
    import importlib

    import uvicorn

    common: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "log_config": None,
        "access_log": False,
        "lifespan": "on",
        "timeout_graceful_shutdown": 10,
    }
    if settings.workers > 1:
        # Each uvicorn process calls the factory, which reads its settings from
        # the environment: the role chosen on the command line must go there.
        prefix = str(settings.model_config.get("env_prefix", ""))
        os.environ[f"{prefix}PROCESS_ROLE"] = settings.process_role
        uvicorn.run(app_factory, factory=True, workers=settings.workers, **common)
        return
    module, _, name = app_factory.partition(":")
    factory: Callable[[ServiceSettings], FastAPI] = getattr(importlib.import_module(module), name)
    uvicorn.run(factory(settings), **common)
