"""Registry app: providers, their quality assurance, their offer.

The app validates bearer tokens with the same :mod:`meriter_shared.auth`
validator other services use; with ``auth.jwks_url = "self"`` the JWKS is read
from its own database instead of over HTTP, so it needs no network to itself.

It keeps its token-signing keys sealed under the master key
(``REGISTRY_MASTER_KEY`` or ``REGISTRY_MASTER_KEY_FILE``): without one
``create_app`` refuses to build, and on start a key stored in the clear by an
older version is sealed, and a stored key that does not open with the
master key stops the start with an error saying so.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from fastapi import FastAPI
from starlette.middleware import Middleware

from meriter_registry.agencies import api as agencies_api
from meriter_registry.clients import api as clients_api
from meriter_registry.clients import service as clients
from meriter_registry.clients.ratelimit import TokenBuckets, TokenEndpointLimits
from meriter_registry.config import Settings
from meriter_registry.deps import RegistryState, get_state
from meriter_registry.institutions import api as institutions_api
from meriter_registry.offerings import api as offerings_api
from meriter_registry.openapi import add_schemas
from meriter_registry.qa import api as qa_api
from meriter_registry.qa.cache import ForgetOnWrites, QaStatusCache, ServeCachedQaStatus
from meriter_registry.qa.index import QaIndex
from meriter_registry.reports import api as reports_api
from meriter_shared.auth import TokenValidator, install_validator
from meriter_shared.clock import Clock, utc_now
from meriter_shared.http import create_service_app
from meriter_shared.runtime import Runtime
from meriter_shared.settings import ServiceSettings

log = logging.getLogger(__name__)


async def _seal_signing_keys(app: FastAPI, runtime: Runtime) -> None:
    keys = get_state(app).master_keys
    async with runtime.pool.acquire() as conn:
        sealed = await clients.seal_plaintext_keys(conn, keys)
        await clients.check_keys_open(conn, keys)
    if sealed:
        log.info("token-signing keys sealed under the master key", extra={"kids": sealed})


async def _start_cache(app: FastAPI, runtime: Runtime) -> None:
    state = get_state(app)
    await state.qa_cache.start(runtime.pool)
    await state.qa_index.start(runtime.pool, state.qa_cache)


async def _stop_cache(app: FastAPI, _runtime: Runtime) -> None:
    state = get_state(app)
    await state.qa_index.stop()
    await state.qa_cache.stop()


def build_runtime(settings: ServiceSettings) -> Runtime:
    """What the service runs; its HTTP and worker processes each start their part."""
    return Runtime(settings, migrations="meriter_registry")


def create_app(settings: Settings | None = None, *, clock: Clock = utc_now) -> FastAPI:
    """The registry; ``clock`` is the time its rules are told (tests may fix it)."""
    settings = settings or Settings()
    master_keys = settings.master_keys()  # no master key, no registry: it keeps secrets
    runtime = build_runtime(settings)
    qa_cache = QaStatusCache(settings.qa_cache_bytes, settings.qa_cache_window_days)
    qa_index = QaIndex(settings.qa_index_enabled)
    app = create_service_app(
        settings,
        runtime,
        title="Meriter registry",
        routers=[
            institutions_api.router,
            agencies_api.router,
            offerings_api.router,
            qa_api.router,
            reports_api.router,
            reports_api.submission_router,
            clients_api.oauth_router,
            clients_api.router,
        ],
        on_startup=[_seal_signing_keys, _start_cache],
        on_shutdown=[_stop_cache],
        middleware=[Middleware(ServeCachedQaStatus, cache=qa_cache, clock=clock, index=qa_index)],
    )
    add_schemas(app, *reports_api.BODY_MODELS)
    tracked = settings.token_rate_tracked_keys
    token_limits = TokenEndpointLimits(
        per_address=TokenBuckets(
            settings.token_rate_per_address, settings.token_burst_per_address, max_keys=tracked
        ),
        per_client=TokenBuckets(
            settings.token_rate_per_client, settings.token_burst_per_client, max_keys=tracked
        ),
    )
    app.state.registry = RegistryState(
        settings=settings,
        qa_cache=qa_cache,
        qa_index=qa_index,
        master_keys=master_keys,
        token_limits=token_limits,
        csv_slots=asyncio.Semaphore(settings.csv_concurrent_submissions),
        clock=clock,
    )
    app.add_middleware(ForgetOnWrites, cache=qa_cache)
    auth = settings.auth
    if auth.jwks_url == "self":

        async def own_jwks(_url: str) -> dict[str, Any]:
            async with runtime.pool.acquire() as conn:
                return await clients.public_jwks(conn, master_keys)

        async def client_revoked(client_id: str) -> bool:
            # The registry issues the tokens: a client revoked (or unknown) since
            # its token was issued is refused at once, not when the token expires.
            async with runtime.pool.acquire() as conn:
                return not await clients.is_active(conn, client_id)

        install_validator(app, TokenValidator(auth, fetcher=own_jwks, revoked=client_revoked))
    else:
        install_validator(app, TokenValidator(auth))
    return app
