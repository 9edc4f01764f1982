"""The FastAPI app every service is built on.

``create_service_app`` wires what all services share — problem+json
errors, input hygiene (``hygiene.py``), request tracing, ``/metrics``,
``/healthz`` (the process is alive), ``/readyz`` (its database, broker
and consumers are usable) and the API documentation at ``/docs`` and
``/redoc`` with its assets served by the service itself (``docs.py``: no CDN)
— and runs the service's ``Runtime`` in the
lifespan. Routes reach the runtime through
the ``RuntimeDep`` / ``PoolDep`` dependencies.
"""

from __future__ import annotations

import gc
import logging
import os
import signal
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.telemetry import TelemetryConfig
from starlette.middleware import Middleware
from starlette.types import ASGIApp

from meriter_shared.db.types import Pool
from meriter_shared.docs import install_docs
from meriter_shared.errors import install_problem_handlers
from meriter_shared.hygiene import GuardInput
from meriter_shared.observability.logs import setup_logging
from meriter_shared.observability.metrics import install_metrics_endpoint
from meriter_shared.observability.requests import ObserveRequests
from meriter_shared.observability.tracing import setup_tracing
from meriter_shared.openapi import install_openapi
from meriter_shared.procs import die_with_parent
from meriter_shared.runtime import Runtime
from meriter_shared.settings import ServiceSettings

Hook = Callable[[FastAPI, Runtime], Awaitable[None]]
_log = logging.getLogger(__name__)

# FastAPI's native OpenTelemetry is off: each request's server span is
# ObserveRequests' (around the whole stack, and cheaper on a hot route),
# metrics are Prometheus's and logs are ours.
TELEMETRY: TelemetryConfig = {
    "tracing": False,
    "operation_spans": False,
    "metrics": False,
    "logs": False,
}


class ServiceApp(FastAPI):
    """FastAPI with ``ObserveRequests`` around its whole middleware stack: the
    request's span is current even in Starlette's outermost error handler."""

    observed_service = "unnamed"

    def build_middleware_stack(self) -> ASGIApp:
        return ObserveRequests(super().build_middleware_stack(), service=self.observed_service)


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

    app = ServiceApp(
        title=title,
        version="0.1.0",
        lifespan=lifespan,
        telemetry=TELEMETRY,
        # FastAPI's pages load their assets from CDNs; ours serve them (docs.py).
        docs_url=None,
        redoc_url=None,
    )
    app.state.runtime = runtime
    app.state.settings = settings
    install_problem_handlers(app)
    install_openapi(app)
    install_docs(app)
    install_metrics_endpoint(app)
    for inner in reversed(middleware):  # the first given is the outermost of them
        app.add_middleware(inner.cls, *inner.args, **inner.kwargs)
    app.add_middleware(GuardInput, max_body_bytes=settings.max_body_bytes)
    app.observed_service = settings.service_name

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

    With ``workers`` > 1, that many uvicorn processes serve the port, each
    calling the factory (which reads its settings from the environment) and
    each with its own listening socket (``SO_REUSEPORT``), so the kernel
    spreads connections evenly among them. (One socket shared by all, as
    uvicorn's own ``--workers`` does, lets whichever process wakes first
    accept a whole burst of new connections: with keep-alive clients one
    process then did all the work while the other core idled.) A process
    that dies is started again; shutdown is graceful in each.
    """
    import importlib

    import uvicorn

    common: dict[str, Any] = {
        "log_config": None,
        "access_log": False,
        "lifespan": "on",
        "timeout_graceful_shutdown": 10,
    }
    if settings.workers > 1:
        # Each process calls the factory, which reads its settings from the
        # environment: the role chosen on the command line must go there.
        prefix = str(settings.model_config.get("env_prefix", ""))
        os.environ[f"{prefix}PROCESS_ROLE"] = settings.process_role
        _supervise_http(app_factory, settings.host, settings.port, settings.workers, common)
        return
    module, _, name = app_factory.partition(":")
    factory: Callable[[ServiceSettings], FastAPI] = getattr(importlib.import_module(module), name)
    uvicorn.run(factory(settings), host=settings.host, port=settings.port, **common)


def _serve_http_process(app_factory: str, host: str, port: int, common: dict[str, Any]) -> None:
    """One HTTP process of several: its own socket on the shared port."""
    import socket

    import uvicorn

    die_with_parent()  # end with the supervisor, however it ends
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    config = uvicorn.Config(app_factory, factory=True, **common)
    uvicorn.Server(config).run(sockets=[sock])


def _supervise_http(
    app_factory: str, host: str, port: int, workers: int, common: dict[str, Any]
) -> None:
    import multiprocessing
    import time

    context = multiprocessing.get_context("spawn")
    processes: dict[int, multiprocessing.process.BaseProcess] = {}
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    def start(slot: int) -> None:
        process = context.Process(
            target=_serve_http_process,
            args=(app_factory, host, port, common),
            name=f"http-{slot}",
        )
        process.start()
        processes[slot] = process

    for slot in range(workers):
        start(slot)
    restarted_at: dict[int, float] = {}
    while not stopping:
        time.sleep(0.2)
        for slot, process in list(processes.items()):
            if stopping or process.is_alive():
                continue
            # At most one restart a second per slot: a process that cannot
            # start (a port taken, a broken setting) must not spin.
            if time.monotonic() - restarted_at.get(slot, 0.0) < 1.0:
                continue
            _log.warning(
                "HTTP process exited; starting it again",
                extra={"pid": process.pid, "exitcode": process.exitcode},
            )
            restarted_at[slot] = time.monotonic()
            start(slot)
    for process in processes.values():
        if process.is_alive() and process.pid is not None:
            os.kill(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + float(common["timeout_graceful_shutdown"]) + 5
    for process in processes.values():
        process.join(max(0.0, deadline - time.monotonic()))
        if process.is_alive():
            process.kill()
            process.join()
