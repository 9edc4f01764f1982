"""Learners' mail: the mail channel of the sender loop (``deliveries/dispatch.py``).

How each try ends (``Outcome``):
- 250 after the final "." → ``sent``;
- 4xx → ``retrying`` with exponential backoff and jitter, one try spent
  (``failed`` after ``mail.max_attempts``), and the relay's pace halves;
- 5xx to RCPT → ``bounced`` (the relay refuses the recipient); other 5xx → ``failed``;
- the relay unreachable, or the connection lost → the message is put back
  without spending a try (the relay's fault, not the message's) and no
  message is claimed until the relay answers again (backoff to 30 s); lost
  after the final "." it is also counted in doubt and goes again with the
  same Message-ID;
- its contact data purged or erased → ``failed``; a receiving domain over
  its pace → put back for when its turn comes.
Nothing personal is logged: delivery ids, SMTP codes and stages only.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from prometheus_client import Gauge

from meriter_notifier.config import MailSettings, SmtpSettings, ca_context
from meriter_notifier.deliveries.service import Item, Outcome
from meriter_notifier.mail.render import Mail, Renderer, Unsendable
from meriter_notifier.mail.smtp import ConnectionLost, SmtpConnection, SmtpOptions, SmtpReply
from meriter_notifier.mail.throttle import DomainPace, RelayPace

log = logging.getLogger(__name__)
RELAY_RATE = Gauge(
    "meriter_notifier_relay_rate", "Messages a second the relay is paced at (0: unpaced)"
)
RELAY_UP = Gauge("meriter_notifier_relay_up", "Whether the relay answered its last connection")


def backoff(attempt: int, base: float, cap: float) -> float:
    """Exponential backoff with full jitter: uniform in [0, min(cap, base·2^attempt)]."""
    return random.uniform(0, min(cap, base * 2**attempt))


class Relay:
    """The relay's health, shared by every connection: down → nothing is claimed for a while."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.down_until = 0.0
        self.failures = 0

    def paused_for(self) -> float:
        return max(0.0, self.down_until - self.clock())

    def trip(self) -> float:
        delay = min(30.0, 0.25 * 2.0 ** min(self.failures, 10)) * random.uniform(0.8, 1.2)
        self.failures += 1
        self.down_until = max(self.down_until, self.clock() + delay)
        RELAY_UP.set(0)
        return delay

    def ok(self) -> None:
        if self.failures:
            self.failures = 0
            self.down_until = 0.0
        RELAY_UP.set(1)


class MailChannel:
    name = "email"

    def __init__(
        self,
        smtp: SmtpSettings,
        mail: MailSettings,
        renderer: Renderer,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.mail = mail
        self.renderer = renderer
        self.clock = clock
        self.concurrency = smtp.connections
        context = ca_context(smtp.ca_file)
        self.options = SmtpOptions(
            host=smtp.host,
            port=smtp.port,
            helo_name=smtp.helo_name,
            starttls=smtp.starttls,
            ssl_context=context,
            username=smtp.username,
            password=smtp.password.get_secret_value() if smtp.password else None,
            timeout_s=smtp.timeout_s,
            data_timeout_s=smtp.data_timeout_s,
        )
        self.relay = Relay()
        self.pace = RelayPace(smtp.rate_per_s)
        self.domains = DomainPace(mail.domain_rate_per_s, mail.domain_rates)

    def paused_for(self) -> float:
        return self.relay.paused_for()

    def triage(self, rows: Sequence[Any]) -> tuple[list[Item], list[Outcome]]:
        items: list[Item] = []
        settled: list[Outcome] = []
        for row in rows:
            if row["email"] is None:
                settled.append(
                    Outcome(row["id"], "failed", 0, 0.0, "contact data purged before sending")
                )
                continue
            wait = self.domains.take(row["domain"])
            if wait > 0:
                settled.append(Outcome(row["id"], _waiting(row), 0, wait, None))
                continue
            items.append(Item(row))
        return items, settled

    def slot(self) -> MailSlot:
        return MailSlot(self)


def _waiting(row: Any) -> str:
    return "retrying" if row["attempts"] else "queued"


class MailSlot:
    """One connection to the relay, opened when needed and kept."""

    def __init__(self, channel: MailChannel) -> None:
        self.channel = channel
        self.conn: SmtpConnection | None = None

    async def close(self) -> None:
        if self.conn is not None:
            conn, self.conn = self.conn, None
            await conn.quit()

    async def send(self, item: Item) -> Outcome:
        ch = self.channel
        row = item.row
        paused = ch.relay.paused_for()
        if paused > 0:
            return Outcome(item.id, _waiting(row), 0, paused, None)
        try:
            message = ch.renderer.render(
                Mail(
                    message_id=row["message_id"],
                    to_name=row["name"],
                    to_email=row["email"],
                    language=row["language"],
                    title=row["title"],
                    institution_name=row["institution_name"],
                    claim_url=row["claim_url"],
                    claim_expires_at=row["claim_expires_at"],
                ),
                ch.clock(),
            )
        except Unsendable as exc:
            return Outcome(item.id, "failed", 1, 0.0, str(exc))
        await ch.pace.acquire()
        try:
            if self.conn is None:
                self.conn = await SmtpConnection.open(ch.options)
                ch.relay.ok()
            await self.conn.send(ch.renderer.envelope_from, row["email"], message)
        except SmtpReply as reply:
            if reply.stage in ("CONNECT", "EHLO", "STARTTLS", "AUTH", "PROTOCOL"):
                return self._relay_failed(item, f"relay refused the session: {reply}")
            return self._replied(item, reply)
        except ConnectionLost as lost:
            return self._relay_failed(item, str(lost), in_doubt=lost.in_doubt)
        except (OSError, TimeoutError) as exc:
            return self._relay_failed(item, f"relay unreachable: {type(exc).__name__}")
        ch.relay.ok()
        ch.pace.accepted()
        RELAY_RATE.set(ch.pace.rate or 0)
        return Outcome(item.id, "sent", 1, 0.0, None)

    def _relay_failed(self, item: Item, error: str, in_doubt: bool = False) -> Outcome:
        if self.conn is not None:
            self.conn.abort()
            self.conn = None
        delay = self.channel.relay.trip()
        log.warning(
            "relay failed; the message waits for it",
            extra={"delivery_id": item.id, "error": error, "in_doubt": in_doubt},
        )
        return Outcome(item.id, "retrying", 0, delay, error, doubt=in_doubt)

    def _replied(self, item: Item, reply: SmtpReply) -> Outcome:
        ch = self.channel
        attempts = int(item.row["attempts"]) + 1
        error = f"{reply.code} at {reply.stage}"
        if reply.temporary:
            ch.pace.slow_down()
            RELAY_RATE.set(ch.pace.rate or 0)
            if attempts >= ch.mail.max_attempts:
                return Outcome(item.id, "failed", 1, 0.0, f"{error}, {attempts} tries")
            delay = backoff(attempts, ch.mail.backoff_base_s, ch.mail.backoff_cap_s)
            return Outcome(item.id, "retrying", 1, delay, error)
        state = "bounced" if reply.stage == "RCPT" else "failed"
        log.info("relay refused a message", extra={"delivery_id": item.id, "error": error})
        return Outcome(item.id, state, 1, 0.0, error)
