"""Verifier app: anyone checks a credential, by API (``/v1/verify``, the VC-API) or page (``/``).

The HTTP process verifies: I/O (DID documents, status lists, projections)
on its event loop, canonicalization and signatures in its CPU pool
(``components.py``); with ``workers`` > 1 uvicorn runs several such
processes. The worker process keeps the projections (``consumers.py``).
"""

from __future__ import annotations

import asyncio
import contextlib

from fastapi import FastAPI
from starlette.middleware import Middleware

from meriter_shared.clock import Clock, utc_now
from meriter_shared.http import create_service_app
from meriter_shared.projections.registry import PROJECTION_MIGRATIONS
from meriter_shared.runtime import Runtime
from meriter_shared.settings import ServiceSettings
from meriter_verifier.checks.api import router as verify_router
from meriter_verifier.checks.schemas import VerifyRequest
from meriter_verifier.components import Components
from meriter_verifier.config import Settings
from meriter_verifier.consumers import issuer_consumer, registry_consumer
from meriter_verifier.page.api import router as page_router
from meriter_verifier.ratelimit import RateLimit
from meriter_verifier.vcapi.api import router as vcapi_router

MIGRATIONS = [PROJECTION_MIGRATIONS, "meriter_verifier"]
LIMITED = frozenset(
    {"/v1/verify", "/credentials/verify", "/presentations/verify", "/v1/claims/open"}
)


def build_runtime(settings: ServiceSettings) -> Runtime:
    """What the service runs; its HTTP and worker processes each start their part."""
    return Runtime(
        settings,
        migrations=MIGRATIONS,
        consumers=[registry_consumer(), issuer_consumer()],
        relay=False,  # the verifier publishes nothing
        cpu=None,
    )


def create_app(settings: Settings | None = None, *, clock: Clock = utc_now) -> FastAPI:
    settings = settings or Settings()
    components = Components.build(settings, clock=clock)
    watcher: list[asyncio.Task[None]] = []

    async def start(app: FastAPI, runtime: Runtime) -> None:
        watcher.append(asyncio.create_task(components.watch_projections(runtime.pool)))

    async def stop(app: FastAPI, runtime: Runtime) -> None:
        for task in watcher:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await components.close()

    app = create_service_app(
        settings,
        build_runtime(settings),
        title="Meriter verifier",
        routers=[verify_router, vcapi_router, page_router],  # the hottest first: matched in order
        on_startup=[start],
        on_shutdown=[stop],
        middleware=[Middleware(RateLimit, buckets=components.buckets, paths=LIMITED)],
    )
    app.state.components = components
    app.state.openapi_models = (VerifyRequest,)  # its route reads the body itself
    return app
