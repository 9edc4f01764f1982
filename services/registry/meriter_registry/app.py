"""Registry app: providers, their quality assurance, their offer."""

from __future__ import annotations

from fastapi import FastAPI

from meriter_registry.api import router
from meriter_registry.config import Settings
from meriter_shared.http import create_service_app
from meriter_shared.runtime import Runtime


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    runtime = Runtime(settings, migrations="meriter_registry")
    return create_service_app(settings, runtime, title="Meriter registry", routers=[router])
