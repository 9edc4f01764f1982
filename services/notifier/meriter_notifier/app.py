"""Notifier app: learners are told their credential is ready, institutions hear back.

The HTTP process serves webhook registration, parked deliveries and their
replay, and delivery status (and ``/mail`` in the one-machine stack). The
worker consumes the issuer's events into delivery records
(``consumers.py``) and runs the senders — mail over SMTP, webhooks over
HTTPS (``deliveries/dispatch.py``) — as the
runtime's background tasks, and the purges of contact data and of finished
deliveries past their retention.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from fastapi import FastAPI

from meriter_notifier.config import Settings
from meriter_notifier.consumers import deliveries_consumer
from meriter_notifier.deliveries.api import router as deliveries_router
from meriter_notifier.deliveries.dispatch import Dispatcher
from meriter_notifier.deliveries.service import (
    Intake,
    purge_expired_contacts,
    purge_finished_deliveries,
)
from meriter_notifier.mail.render import Renderer
from meriter_notifier.mail.sender import MailChannel
from meriter_notifier.mail.sink_page import router as sink_router
from meriter_notifier.webhooks.api import router as webhooks_router
from meriter_notifier.webhooks.sender import WebhookChannel
from meriter_shared.auth import TokenValidator, install_validator
from meriter_shared.clock import Clock, utc_now
from meriter_shared.http import create_service_app
from meriter_shared.runtime import Runtime
from meriter_shared.settings import ServiceSettings


def build_runtime(settings: ServiceSettings, clock: Clock = utc_now) -> Runtime:
    """What the service runs; its HTTP and worker processes each start their part."""
    assert isinstance(settings, Settings)
    s = settings
    keys = s.master_keys()  # a notifier without its master key does not start
    renderer = Renderer(s.mail.sender)
    intake = Intake(
        mail_domain=renderer.domain,
        contact_retention=timedelta(days=s.contact_retention_days),
        clock=clock,
    )

    async def send_mail(runtime: Runtime) -> None:
        channel = MailChannel(s.smtp, s.mail, renderer)
        await Dispatcher(runtime.pool, channel, lease_s=s.claim_lease_s).run()

    async def send_webhooks(runtime: Runtime) -> None:
        channel = WebhookChannel(s.webhooks, keys)
        try:
            await Dispatcher(runtime.pool, channel, lease_s=s.claim_lease_s).run()
        finally:
            await channel.client.aclose()

    async def purge(runtime: Runtime) -> None:
        """Contact data past its retention, then finished deliveries past theirs."""
        kept = timedelta(days=s.delivery_retention_days)
        while True:
            async with runtime.pool.acquire() as conn:
                while await purge_expired_contacts(conn, clock()) > 0:
                    pass
                while await purge_finished_deliveries(conn, clock(), kept) > 0:
                    pass
            await asyncio.sleep(60)

    return Runtime(
        settings,
        migrations="meriter_notifier",
        consumers=[deliveries_consumer(s, intake)],
        tasks=[
            ("notifier-mail", send_mail),
            ("notifier-webhooks", send_webhooks),
            ("notifier-purge", purge),
        ],
    )


def create_app(settings: Settings | None = None, *, clock: Clock = utc_now) -> FastAPI:
    settings = settings or Settings()
    routers = [webhooks_router, deliveries_router]
    if settings.mail_sink_dir is not None:
        routers.append(sink_router)
    app = create_service_app(
        settings, build_runtime(settings, clock), title="Meriter notifier", routers=routers
    )
    app.state.master_keys = settings.master_keys()
    install_validator(app, TokenValidator(settings.auth))
    return app
