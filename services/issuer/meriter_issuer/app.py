"""Issuer app: assessed results in, signed micro-credentials out.

The HTTP process serves intake, identities, status and credential reads;
issuance runs in the worker (``consumers.py``), signing in its CPU pool.
Both processes build their parts from settings with ``Components``.
"""

from __future__ import annotations

from fastapi import FastAPI

from meriter_issuer.claims.api import router as claims_router
from meriter_issuer.components import Components
from meriter_issuer.config import Settings
from meriter_issuer.consumers import issuance_consumer, registry_consumer
from meriter_issuer.corrections.api import router as corrections_router
from meriter_issuer.credentials.api import offerings_router
from meriter_issuer.credentials.api import router as credentials_router
from meriter_issuer.erasure.api import router as erasure_router
from meriter_issuer.identities.api import router as identities_router
from meriter_issuer.intake.api import router as intake_router
from meriter_issuer.intake.schemas import ResultIn
from meriter_issuer.issuance.signing import Signer
from meriter_issuer.status.api import router as status_router
from meriter_issuer.vcapi.api import router as vcapi_router
from meriter_shared.auth import TokenValidator, install_validator
from meriter_shared.clock import Clock, utc_now
from meriter_shared.http import create_service_app
from meriter_shared.projections.registry import PROJECTION_MIGRATIONS
from meriter_shared.runtime import Runtime
from meriter_shared.settings import ServiceSettings

MIGRATIONS = [PROJECTION_MIGRATIONS, "meriter_issuer"]


def build_runtime(settings: ServiceSettings, components: Components | None = None) -> Runtime:
    """What the service runs; its HTTP and worker processes each start their part."""
    assert isinstance(settings, Settings)
    parts = components or Components.build(settings)
    cpu = parts.cpu_pool()
    issuance = parts.issuance(Signer(pool=cpu))
    runtime = Runtime(
        settings,
        migrations=MIGRATIONS,
        consumers=[registry_consumer(issuance), issuance_consumer(issuance)],
        cpu=cpu,
    )
    issuance.pool = lambda: runtime.pool
    return runtime


def create_app(settings: Settings | None = None, *, clock: Clock = utc_now) -> FastAPI:
    settings = settings or Settings()
    components = Components.build(settings, clock)
    app = create_service_app(
        settings,
        build_runtime(settings, components),
        title="Meriter issuer",
        routers=[
            intake_router,
            corrections_router,
            offerings_router,
            credentials_router,
            status_router,
            identities_router,
            # the issuer's doors: W3C VC-API, learners' claim links, erasure
            vcapi_router,
            claims_router,
            erasure_router,
        ],
    )
    app.state.components = components
    app.state.signer = Signer(keystore=components.keystore)
    app.state.openapi_models = (ResultIn,)
    install_validator(app, TokenValidator(settings.auth))
    return app
