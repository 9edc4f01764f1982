"""Worker processes: a service's consumers and outbox relay, apart from its HTTP server.

``meriter-<service> worker`` runs ``settings.worker_processes`` processes,
each starting the service's runtime in the ``worker`` role (consumers,
relay, CPU pool, heartbeat) and, when ``worker_port`` is set, a small HTTP
server with ``/healthz``, ``/readyz`` and ``/metrics`` for probes and
Prometheus. SIGTERM or SIGINT stops a worker gracefully: consumers finish
the batch in hand and commit, the relay stops, the heartbeat row goes.

``service_main`` is every service's command line: ``serve`` (the HTTP
server alone), ``worker`` (the workers alone) or, with no command, both in
one process; ``outbox list|replay`` shows and releases parked outbox rows.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import json
import logging
import multiprocessing
import os
import signal
from collections.abc import Callable, Iterator, Sequence
from typing import Any, cast

import uvicorn
from fastapi import FastAPI
from fastapi.responses import JSONResponse

from meriter_shared.http import readiness_response, serve
from meriter_shared.observability.logs import setup_logging
from meriter_shared.observability.metrics import install_metrics_endpoint
from meriter_shared.observability.tracing import setup_tracing
from meriter_shared.runtime import Runtime
from meriter_shared.settings import ServiceSettings

log = logging.getLogger(__name__)
RuntimeFactory = Callable[[ServiceSettings], Runtime]


def _load(path: str) -> Any:
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


def probe_app(runtime: Runtime) -> FastAPI:
    """The worker's own small HTTP surface: liveness, readiness, metrics."""
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    install_metrics_endpoint(app)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz")
    async def readyz() -> JSONResponse:
        return await readiness_response(runtime)

    return app


class _ProbeServer(uvicorn.Server):
    """uvicorn without its own signal handling: the worker's loop owns the signals."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def run_worker(runtime: Runtime, *, port: int = 0, stop: asyncio.Event | None = None) -> None:
    """Run ``runtime`` as a worker until ``stop`` is set (or SIGTERM/SIGINT)."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    await runtime.start()
    server: _ProbeServer | None = None
    serving: asyncio.Task[None] | None = None
    try:
        if port:
            config = uvicorn.Config(
                probe_app(runtime),
                host=runtime.settings.host,
                port=port,
                log_config=None,
                access_log=False,
                lifespan="off",
            )
            server = _ProbeServer(config)
            serving = asyncio.create_task(server.serve())
        log.info("worker running", extra={"worker": runtime.worker_id, "probe_port": port})
        await stop.wait()
    finally:
        if server is not None and serving is not None:
            server.should_exit = True
            with contextlib.suppress(Exception):
                await serving
        await runtime.stop()


def _worker_process(factory: str, settings: ServiceSettings, index: int) -> None:
    setup_logging(settings.service_name, settings.log_level)
    setup_tracing(settings.service_name, settings.otlp_endpoint)
    build = cast(RuntimeFactory, _load(factory))
    port = settings.worker_port + index if settings.worker_port else 0
    with asyncio.Runner(loop_factory=event_loop_factory()) as runner:
        runner.run(run_worker(build(settings), port=port))


def event_loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's event loop where it is installed (as the HTTP processes run under
    uvicorn): the consumers, the outbox relay and asyncpg spend less there."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - every supported platform has it
        return None
    return uvloop.new_event_loop


def run_workers(factory: str, settings: ServiceSettings) -> None:
    """Run ``settings.worker_processes`` worker processes until SIGTERM/SIGINT."""
    settings = settings.model_copy(update={"process_role": "worker"})
    if settings.worker_processes == 1:
        _worker_process(factory, settings, 0)
        return
    context = multiprocessing.get_context("spawn")
    children = [
        context.Process(target=_worker_process, args=(factory, settings, i), name=f"worker-{i}")
        for i in range(settings.worker_processes)
    ]
    for child in children:
        child.start()

    def forward(signum: int, _frame: object) -> None:
        for child in children:
            if child.is_alive() and child.pid is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(child.pid, signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    for child in children:
        child.join()


async def _outbox_command(settings: ServiceSettings, action: str, seqs: list[int]) -> int:
    from meriter_shared.db.pool import create_pool
    from meriter_shared.messaging.relay import parked_rows, replay_parked

    pool = await create_pool(settings.postgres)
    try:
        async with pool.acquire() as conn:
            if action == "list":
                for row in await parked_rows(conn):
                    print(json.dumps(row, default=str), flush=True)
            else:
                async with conn.transaction():
                    count = await replay_parked(conn, seqs or None)
                print(f"{count} parked row(s) will be published again", flush=True)
    finally:
        await pool.close()
    return 0


def service_main(
    argv: Sequence[str] | None,
    *,
    settings: ServiceSettings,
    app_factory: str,
    runtime_factory: str,
) -> int:
    """``meriter-<service> [serve | worker | outbox list|replay]``.

    No command runs the HTTP server and the workers in one process.
    """
    import argparse

    parser = argparse.ArgumentParser(prog=f"meriter-{settings.service_name}")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("serve", help="the HTTP server alone")
    sub.add_parser("worker", help="consumers and outbox relay alone")
    outbox = sub.add_parser("outbox", help="outbox rows parked because the broker refuses them")
    outbox.add_argument("action", choices=["list", "replay"])
    outbox.add_argument("--seq", type=int, action="append", default=[], help="only this row")
    args = parser.parse_args(argv)
    if args.command == "worker":
        run_workers(runtime_factory, settings)
    elif args.command == "serve":
        serve(app_factory, settings.model_copy(update={"process_role": "serve"}))
    elif args.command == "outbox":
        return asyncio.run(_outbox_command(settings, args.action, args.seq))
    else:
        serve(app_factory, settings.model_copy(update={"process_role": "all"}))
    return 0
