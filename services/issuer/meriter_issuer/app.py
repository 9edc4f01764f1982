"""Issuer app: assessed results in, signed micro-credentials out."""

from __future__ import annotations

from fastapi import FastAPI

from meriter_issuer.config import Settings
from meriter_issuer.consumers import registry_consumer
from meriter_shared.http import create_service_app
from meriter_shared.projections.registry import PROJECTION_MIGRATIONS
from meriter_shared.runtime import Runtime
from meriter_shared.settings import ServiceSettings


def build_runtime(settings: ServiceSettings) -> Runtime:
    """What the service runs; its HTTP and worker processes each start their part."""
    return Runtime(
        settings,
        migrations=[PROJECTION_MIGRATIONS, "meriter_issuer"],
        consumers=[registry_consumer()],
    )


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    return create_service_app(settings, build_runtime(settings), title="Meriter issuer")
