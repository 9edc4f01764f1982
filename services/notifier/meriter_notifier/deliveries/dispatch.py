"""The sender loop shared by mail and webhooks: claim, send, record.

One loop per channel runs in each worker process (a runtime background
task). It claims due delivery records in batches (``FOR UPDATE SKIP
LOCKED``, so several workers share the work), holds at most a few per
sending slot in memory, sends with ``concurrency`` slots, and writes the
outcomes every ``flush_s`` in one statement.

Exactly once, as the recipient sees it:
- A record is claimed ('sending', with a lease) and committed *before* the
  send; its outcome is written after. A worker that dies between the two
  leaves it 'sending'; when the lease lapses it is claimed again, counted
  ``in_doubt``, and sent with the same Message-ID / webhook-id, which the
  recipient uses to recognise the copy (mailboxes and the local sink keep
  one message per Message-ID; the webhook recipe remembers webhook-ids).
- The window in which that can happen is the send itself plus at most
  ``flush_s`` of unwritten outcomes; a graceful stop writes them and puts
  back what it had not begun to send.
- A record this process already holds is never claimed twice by it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from opentelemetry import trace
from prometheus_client import Counter, Gauge

from meriter_notifier.deliveries import repository
from meriter_notifier.deliveries.repository import NOTIFY_CHANNEL, Outcome
from meriter_shared.db.types import Pool
from meriter_shared.observability.tracing import extract_context

log = logging.getLogger(__name__)
_tracer = trace.get_tracer(__name__)

BACKLOG = Gauge(
    "meriter_notifier_backlog",
    "Deliveries not final yet (queued, retrying, sending), each counted up to 100,000",
    ["channel", "state"],
)
OUTCOMES = Counter(
    "meriter_notifier_delivery_outcomes_total", "Tries and what they came to", ["channel", "state"]
)
IN_DOUBT = Counter(
    "meriter_notifier_in_doubt_total",
    "Tries whose outcome was lost (sent again with the same id)",
    ["channel"],
)


@dataclass
class Item:
    row: Any
    claimed_at: float = field(default_factory=time.monotonic)

    @property
    def id(self) -> int:
        return int(self.row["id"])


class Slot(Protocol):
    """One sending slot (an SMTP connection, an HTTP client's share)."""

    async def send(self, item: Item) -> Outcome: ...

    async def close(self) -> None: ...


class Channel(Protocol):
    name: str
    concurrency: int

    def triage(self, rows: Sequence[Any]) -> tuple[list[Item], list[Outcome]]:
        """Split claimed rows into what to send now and what is settled or deferred already."""
        ...

    def paused_for(self) -> float:
        """Seconds to claim nothing for (the relay is down), else 0."""
        ...

    def slot(self) -> Slot: ...


class Dispatcher:
    def __init__(
        self,
        pool: Pool,
        channel: Channel,
        *,
        lease_s: float,
        flush_s: float = 0.05,
        poll_s: float = 1.0,
        observe_s: float = 2.0,
    ) -> None:
        self.pool = pool
        self.channel = channel
        self.lease_s = lease_s
        self.flush_s = flush_s
        self.poll_s = poll_s
        self.observe_s = observe_s
        self.queue: asyncio.Queue[Item] = asyncio.Queue(maxsize=max(8, channel.concurrency * 4))
        self.held: set[int] = set()
        self.pending: list[Outcome] = []
        self._wake = asyncio.Event()
        self._stopping = False
        self.busy: set[int] = set()

    async def run(self) -> None:
        workers = [
            asyncio.create_task(self._work(i), name=f"{self.channel.name}-slot-{i}")
            for i in range(self.channel.concurrency)
        ]
        helpers = [
            asyncio.create_task(self._claim(), name=f"{self.channel.name}-claim"),
            asyncio.create_task(self._flush_loop(), name=f"{self.channel.name}-flush"),
            asyncio.create_task(self._observe(), name=f"{self.channel.name}-observe"),
        ]
        try:
            # Not gather: a cancelled gather cancels sends in flight, which
            # would leave them in doubt; _stop lets them end first.
            done, _ = await asyncio.wait([*workers, *helpers], return_when=asyncio.FIRST_EXCEPTION)
            for task in done:
                task.result()  # a slot or helper failed: raise (the runtime starts us again)
        finally:
            await self._stop(workers, helpers)

    async def _stop(
        self, workers: list[asyncio.Task[None]], helpers: list[asyncio.Task[Any]]
    ) -> None:
        """Stop claiming, put back what was not begun, let sends in flight end, write it all."""
        self._stopping = True
        helpers[0].cancel()
        while not self.queue.empty():
            item = self.queue.get_nowait()
            self._settle(Outcome(item.id, "queued", 0, 0.0, None))
        deadline = time.monotonic() + 10
        while self.busy and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        for w in workers:
            w.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        for h in helpers[1:]:
            h.cancel()
        await asyncio.gather(*helpers, return_exceptions=True)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._flush(), 5)

    def wake(self, *_: object) -> None:
        self._wake.set()

    async def _claim(self) -> None:
        async with self.pool.acquire() as listener:
            await listener.add_listener(NOTIFY_CHANNEL, self.wake)
            try:
                while True:
                    pause = self.channel.paused_for()
                    if pause > 0:
                        await asyncio.sleep(min(pause, 1.0))
                        continue
                    room = self.queue.maxsize - self.queue.qsize()
                    if room < self.queue.maxsize // 4:
                        await asyncio.sleep(0.005)
                        continue
                    self._wake.clear()
                    async with self.pool.acquire() as conn, conn.transaction():
                        rows = await repository.claim(conn, self.channel.name, room, self.lease_s)
                    fresh = [r for r in rows if r["id"] not in self.held]
                    if not fresh:
                        with contextlib.suppress(TimeoutError):
                            await asyncio.wait_for(self._wake.wait(), self.poll_s)
                        continue
                    for r in fresh:
                        if r["was"] == "sending":
                            IN_DOUBT.labels(self.channel.name).inc()
                    items, settled = self.channel.triage(fresh)
                    for outcome in settled:
                        self._settle(outcome)
                    for item in items:
                        self.held.add(item.id)
                        await self.queue.put(item)
            finally:
                with contextlib.suppress(Exception):
                    await listener.remove_listener(NOTIFY_CHANNEL, self.wake)

    async def _work(self, index: int) -> None:
        slot = self.channel.slot()
        try:
            while True:
                item = await self.queue.get()
                self.busy.add(index)
                try:
                    outcome = await self._send(slot, item)
                finally:
                    self.busy.discard(index)
                self._settle(outcome)
        finally:
            with contextlib.suppress(Exception):
                await asyncio.shield(slot.close())

    async def _send(self, slot: Slot, item: Item) -> Outcome:
        tp = item.row["traceparent"]
        ctx = extract_context({"traceparent": tp}) if tp else None
        with _tracer.start_as_current_span(
            f"deliver {item.row['event_type']} by {self.channel.name}",
            context=ctx,
            kind=trace.SpanKind.PRODUCER,
            attributes={"meriter.delivery_id": item.id, "meriter.channel": self.channel.name},
        ) as span:
            outcome = await slot.send(item)
            span.set_attribute("meriter.outcome", outcome.state)
            return outcome

    def _settle(self, outcome: Outcome) -> None:
        self.held.discard(outcome.id)
        OUTCOMES.labels(self.channel.name, outcome.state).inc()
        self.pending.append(outcome)

    async def _flush_loop(self) -> None:
        while True:
            await asyncio.sleep(self.flush_s)
            try:
                await self._flush()
            except Exception as exc:  # the database is away: keep them, try again
                log.warning(
                    "could not record delivery outcomes; retrying",
                    extra={"channel": self.channel.name, "error_type": type(exc).__name__},
                )
                await asyncio.sleep(1.0)

    async def _flush(self) -> None:
        if not self.pending:
            return
        batch, self.pending = self.pending, []
        try:
            async with self.pool.acquire() as conn:
                await repository.record(conn, batch)
        except BaseException:
            self.pending = batch + self.pending
            raise

    async def _observe(self) -> None:
        while True:
            with contextlib.suppress(Exception):
                async with self.pool.acquire() as conn:
                    counts = await repository.backlog(conn, self.channel.name)
                for state, n in counts.items():
                    BACKLOG.labels(self.channel.name, state).set(n)
            await asyncio.sleep(self.observe_s)
