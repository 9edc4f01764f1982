"""Notifier app: learners are told their credential is ready."""

from __future__ import annotations

from fastapi import FastAPI

from meriter_notifier.config import Settings
from meriter_shared.http import create_service_app
from meriter_shared.runtime import Runtime


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    runtime = Runtime(settings, migrations="meriter_notifier")
    return create_service_app(settings, runtime, title="Meriter notifier")
