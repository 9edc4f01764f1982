"""Verifier app: anyone checks a credential."""

from __future__ import annotations

from fastapi import FastAPI

from meriter_shared.http import create_service_app
from meriter_shared.runtime import Runtime
from meriter_verifier.config import Settings


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    runtime = Runtime(settings, migrations="meriter_verifier")
    return create_service_app(settings, runtime, title="Meriter verifier")
