"""Helpers for the notifier's tests: settings, events, the SMTP sink, the sender loop."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import email
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

from meriter_local.mailsink import MaildirSink, SmtpSink
from meriter_local.procs import free_port
from meriter_notifier.config import Settings
from meriter_notifier.deliveries.dispatch import Channel, Dispatcher
from meriter_notifier.deliveries.service import Intake
from meriter_shared.db.types import Pool
from meriter_shared.events.contracts import EventPayload
from meriter_shared.events.credentials import CredentialIssued, Delivery
from meriter_shared.events.envelope import CloudEvent
from meriter_shared.secrets import MasterKeys
from meriter_shared.settings import PostgresSettings

MASTER_KEY = base64.urlsafe_b64encode(b"k" * 32).decode()
KEYS = MasterKeys.from_text(MASTER_KEY)


def settings(dsn: str, **changes: Any) -> Settings:
    base = Settings(
        postgres=PostgresSettings(dsn=dsn),
        master_key=MASTER_KEY,
        claim_lease_s=5.0,
    )
    return base.model_copy(update=changes)


def body_of(mail: EmailMessage, kind: str) -> str:
    part = mail.get_body((kind,))
    assert part is not None
    content: str = part.get_content()
    return content


def issued(
    institution: str,
    n: int,
    *,
    language: str = "sv",
    name: str = "Åsa Öberg",
    domain: str = "example.se",
) -> CredentialIssued:
    return CredentialIssued(
        credential_id=f"urn:uuid:{uuid.uuid4()}",
        institution_id=institution,
        result_id=f"R-{n}",
        issued_at=datetime.now(UTC),
        title="Tillämpad maskininlärning" if language == "sv" else "Applied Machine Learning",
        institution_name="Uppsala universitet",
        status_list_credentials=["http://127.0.0.1:8002/status-lists/x"],
        delivery=Delivery(
            name=name,
            email=f"learner{n}@{domain}",
            language=language,
            claim_url=f"http://127.0.0.1:8002/claim/tok{n}-{uuid.uuid4().hex}",
            claim_expires_at=datetime.now(UTC) + timedelta(days=90),
        ),
    )


def envelope(payload: EventPayload) -> CloudEvent:
    return CloudEvent.of(payload)


def intake(clock: Callable[[], datetime] = lambda: datetime.now(UTC), days: float = 30) -> Intake:
    return Intake(
        mail_domain="meriter.example", contact_retention=timedelta(days=days), clock=clock
    )


async def record(pool: Pool, payloads: list[EventPayload], at: Intake | None = None) -> None:
    async with pool.acquire() as conn, conn.transaction():
        await (at or intake()).events(conn, [(envelope(p), p) for p in payloads])


class Sink:
    """A real SMTP server (aiosmtpd) storing into a Maildir; ``handler`` may be swapped."""

    def __init__(self, root: Path, handler: Any | None = None) -> None:
        self.store = MaildirSink(root)
        self.port = free_port()
        self.handler = handler or self.store
        self.server: SmtpSink | None = None

    def start(self) -> Sink:
        self.server = SmtpSink(self.handler, "127.0.0.1", self.port).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None

    def messages(self) -> list[EmailMessage]:
        out = []
        for path in self.store.messages():
            msg = email.message_from_bytes(path.read_bytes(), policy=default)
            assert isinstance(msg, EmailMessage)
            out.append(msg)
        return out

    def by_recipient(self) -> dict[str, list[EmailMessage]]:
        out: dict[str, list[EmailMessage]] = {}
        for msg in self.messages():
            out.setdefault(msg["To"].addresses[0].addr_spec, []).append(msg)
        return out


@contextlib.asynccontextmanager
async def sending(pool: Pool, channel: Channel, lease_s: float = 5.0) -> AsyncIterator[Dispatcher]:
    """The sender loop for ``channel`` running until the block ends."""
    dispatcher = Dispatcher(pool, channel, lease_s=lease_s, poll_s=0.2)
    task = asyncio.create_task(dispatcher.run())
    try:
        yield dispatcher
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def states(pool: Pool, channel: str = "email") -> dict[str, int]:
    rows = await pool.fetch(
        "SELECT state, count(*) AS n FROM deliveries WHERE channel = $1 GROUP BY state", channel
    )
    return {r["state"]: r["n"] for r in rows}
