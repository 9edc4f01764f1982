"""Learners' mail through a real SMTP server (aiosmtpd): one per credential, whatever happens.

The sender loop runs as in the worker, on a fresh database; the relay is a
real SMTP server storing into a Maildir that keeps one message per
Message-ID, as a mailbox recognising a copy does.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest
from notifier.notifier_support import Sink, body_of, issued, record, sending, states
from prometheus_client import REGISTRY

from meriter_notifier.config import MailSettings, SmtpSettings
from meriter_notifier.mail.render import Renderer
from meriter_notifier.mail.sender import MailChannel
from meriter_shared.db.types import Pool
from support.waiting import eventually


def channel(sink: Sink, **mail: Any) -> MailChannel:
    smtp = SmtpSettings(host="127.0.0.1", port=sink.port, connections=4, timeout_s=5)
    return MailChannel(
        smtp,
        MailSettings(backoff_base_s=0.05, backoff_cap_s=0.5, **mail),
        Renderer("Meriter <no-reply@meriter.example>"),
    )


def backlog() -> float:
    return sum(
        REGISTRY.get_sample_value("meriter_notifier_backlog", {"channel": "email", "state": state})
        or 0.0
        for state in ("queued", "retrying", "sending")
    )


async def all_sent(pool: Pool, n: int) -> dict[str, int]:
    return await eventually(lambda: states(pool), lambda s: s.get("sent", 0) == n, timeout_s=60)


async def test_each_learner_gets_one_mail_in_their_language_with_only_title_institution_and_link(
    db: Pool, sink: Sink
) -> None:
    events = [issued("inst-1", i, language="sv" if i % 2 else "en") for i in range(20)]
    await record(db, list(events))
    await record(db, list(events[:5]))  # the same credentials announced again
    async with sending(db, channel(sink)):
        await all_sent(db, 20)
    received = sink.by_recipient()
    assert sorted(received) == sorted(e.delivery.email for e in events if e.delivery)
    for event in events:
        assert event.delivery is not None
        (mail,) = received[event.delivery.email]
        text = body_of(mail, "plain")
        page = body_of(mail, "html")
        if event.delivery.language == "sv":
            assert mail["Subject"].startswith("Ditt intyg från Uppsala universitet")
            assert "Hämta" in text
        else:
            assert mail["Subject"].startswith("Your credential from Uppsala universitet")
            assert "Claim it" in text
        assert mail["Content-Language"] == event.delivery.language
        assert mail["Auto-Submitted"] == "auto-generated"
        assert mail["To"].addresses[0].display_name == "Åsa Öberg"
        assert event.delivery.claim_url in text
        assert f'href="{event.delivery.claim_url}"' in page
        assert event.title in text
        # Nothing else of the credential: not its id, result, or status list.
        for other in (event.credential_id, event.result_id or "", "status-lists"):
            assert other not in mail.as_string()
    assert sink.store.accepted == 20


async def test_a_relay_down_for_a_while_then_back_gets_every_mail_once(
    db: Pool, tmp_path: Path
) -> None:
    sink = Sink(tmp_path / "mail")  # not started: the relay is down
    events = [issued("inst-2", i) for i in range(30)]
    await record(db, list(events))
    ch = channel(sink)
    async with sending(db, ch):
        # The backlog is a metric while the relay is away.
        await eventually(lambda: asyncio.sleep(0, backlog()), lambda n: n == 30, timeout_s=20)
        # The senders have met the relay down (not merely not tried yet)...
        await eventually(lambda: asyncio.sleep(0, ch.relay.failures), lambda n: n > 0)
        # ...and nothing went out while it was down.
        assert (await states(db)).get("sent", 0) == 0
        sink.start()
        try:
            await all_sent(db, 30)
        finally:
            sink.stop()
    received = sink.by_recipient()
    assert len(received) == 30
    assert all(len(m) == 1 for m in received.values())
    assert sink.store.accepted == 30  # nothing was ever half-sent
    # The outage cost the messages no tries of their own.
    assert await db.fetchval("SELECT max(attempts) FROM deliveries") == 1


class Throttling:
    """A relay answering "451 try later" to its first ``refusals`` recipients."""

    def __init__(self, store: Any, refusals: int) -> None:
        self.store = store
        self.refusals = refusals

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        # Pipelining offered, as by the plain sink.
        result: list[str] = await self.store.handle_EHLO(
            server, session, envelope, hostname, responses
        )
        return result

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if self.refusals > 0:
            self.refusals -= 1
            return "451 4.7.1 Too many messages, slow down"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        result: str = await self.store.handle_DATA(server, session, envelope)
        return result


async def test_a_relay_answering_4xx_slows_the_sender_and_every_mail_arrives_once(
    db: Pool, tmp_path: Path
) -> None:
    sink = Sink(tmp_path / "mail")
    sink.handler = Throttling(sink.store, refusals=10)
    sink.start()
    try:
        events = [issued("inst-3", i) for i in range(25)]
        await record(db, list(events))
        ch = channel(sink)
        assert ch.pace.rate is None  # unpaced until the relay asks
        async with sending(db, ch):
            await all_sent(db, 25)
            assert ch.pace.rate is not None  # paced since the 451s
    finally:
        sink.stop()
    received = sink.by_recipient()
    assert len(received) == 25
    assert all(len(m) == 1 for m in received.values())
    tries = await db.fetchval("SELECT sum(attempts) FROM deliveries")
    assert tries == 25 + 10


class LosingTheAnswer:
    """A relay that accepts a message and then drops the connection before answering, once."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self.dropped = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        result: str = await self.store.handle_DATA(server, session, envelope)
        if self.dropped == 0:
            self.dropped += 1
            server.transport.close()  # the answer to "." never reaches the sender
        return result


async def test_an_answer_lost_after_the_final_dot_resends_the_same_message_id_and_one_mail_arrives(
    db: Pool, tmp_path: Path
) -> None:
    sink = Sink(tmp_path / "mail")
    sink.handler = LosingTheAnswer(sink.store)
    sink.start()
    try:
        (event,) = [issued("inst-4", 0)]
        await record(db, [event])
        async with sending(db, channel(sink)):
            await all_sent(db, 1)
    finally:
        sink.stop()
    assert sink.store.accepted == 2  # the relay took it twice…
    assert len(sink.messages()) == 1  # …and the mailbox shows it once
    row = await db.fetchrow("SELECT in_doubt, attempts, message_id FROM deliveries")
    assert row is not None
    assert row["in_doubt"] == 1
    assert sink.messages()[0]["Message-ID"] == row["message_id"]


class Refusing:
    """A relay that refuses one recipient for good."""

    def __init__(self, store: Any, refused: str) -> None:
        self.store = store
        self.refused = refused

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        # Pipelining offered, as by the plain sink.
        result: list[str] = await self.store.handle_EHLO(
            server, session, envelope, hostname, responses
        )
        return result

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address == self.refused:
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        result: str = await self.store.handle_DATA(server, session, envelope)
        return result


async def test_a_recipient_the_relay_refuses_for_good_is_bounced_and_not_retried(
    db: Pool, tmp_path: Path
) -> None:
    sink = Sink(tmp_path / "mail")
    sink.handler = Refusing(sink.store, "learner0@example.se")
    sink.start()
    try:
        await record(db, [issued("inst-5", 0), issued("inst-5", 1)])
        async with sending(db, channel(sink)):
            await eventually(lambda: states(db), lambda s: s == {"sent": 1, "bounced": 1})
    finally:
        sink.stop()
    row = await db.fetchrow("SELECT attempts, last_error FROM deliveries WHERE state = 'bounced'")
    assert row is not None
    assert (row["attempts"], row["last_error"]) == (1, "550 at RCPT")


async def test_a_receiving_domain_is_paced_without_holding_back_other_domains(
    db: Pool, sink: Sink
) -> None:
    slow = [issued("inst-6", i, domain="slow.example") for i in range(6)]
    fast = [issued("inst-6", 10 + i, domain="fast.example") for i in range(6)]
    await record(db, [*slow, *fast])
    started = time.monotonic()
    async with sending(db, channel(sink, domain_rates={"slow.example": 2.0})):
        await eventually(
            lambda: db.fetchval(
                "SELECT count(*) FROM deliveries d JOIN contacts c USING (credential_id) "
                "WHERE d.state = 'sent' AND c.domain = 'fast.example'"
            ),
            lambda n: n == 6,
        )
        fast_done = time.monotonic() - started
        await all_sent(db, 12)
        slow_done = time.monotonic() - started
    assert slow_done >= 1.5  # 6 at 2 a second, a burst of 2 first
    assert fast_done < slow_done
    assert len(sink.messages()) == 12


@pytest.mark.parametrize("field", ["name", "title"])
async def test_line_breaks_in_data_never_make_header_fields(
    db: Pool, sink: Sink, field: str
) -> None:
    event = issued("inst-7", 0, name="Eve\r\nBcc: victim@example.org")
    if field == "title":
        event = event.model_copy(update={"title": "T\r\nBcc: victim@example.org"})
    await record(db, [event])
    async with sending(db, channel(sink)):
        await all_sent(db, 1)
    (mail,) = sink.messages()
    assert mail["Bcc"] is None
    assert len(sink.store.keys) == 1
