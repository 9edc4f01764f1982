"""A running registry app on a fresh database and the session broker.

``registry`` yields an httpx client bound to the app (its lifespan runs: pool,
migrations, producer, outbox relay) plus helpers that mint tokens for
admin, agency and institution clients the way a real caller would.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from registry.registry_support import Registry

from meriter_registry.app import create_app
from meriter_registry.config import Settings
from meriter_shared.settings import KafkaSettings, PostgresSettings


@pytest.fixture
async def registry(fresh_db: str, kafka_bootstrap: str) -> AsyncIterator[Registry]:
    settings = Settings(
        postgres=PostgresSettings(dsn=fresh_db),
        kafka=KafkaSettings(bootstrap_servers=kafka_bootstrap),
        outbox_poll_interval_s=0.05,
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://registry") as http:
            reg = Registry(app, http, {})
            reg.admin = await reg.token_for("admin")
            yield reg
