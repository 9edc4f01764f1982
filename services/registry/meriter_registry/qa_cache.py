"""A per-process cache of "quality assured today?" answers, dropped on any change.

Every registry change writes an outbox row in its transaction, and the outbox
announces each with ``pg_notify`` on commit. The cache listens on that
channel with a connection of its own and forgets everything on each
notification, so an answer is never older than the last committed change
(give or take the notification's delivery, a few milliseconds, to other
processes; the process that made the change also forgets at once).

A lookup racing a change cannot store a stale answer: every answer is stored
only if no notification arrived while it was being computed (the generation
did not move). While the listening connection is down the cache is bypassed,
and it listens again as soon as it can.
Only the present is cached (``as_of`` = now); questions about the past go to
the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from datetime import UTC, date, datetime
from typing import Any

from asyncpg.pool import PoolConnectionProxy
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from meriter_registry.reports.schemas import QaStatus
from meriter_shared.db.outbox import NOTIFY_CHANNEL
from meriter_shared.db.types import Pool

log = logging.getLogger(__name__)


class QaStatusCache:
    def __init__(self, max_entries: int = 100_000) -> None:
        self.max_entries = max_entries
        self.generation = 0
        self._answers: OrderedDict[tuple[str, date], QaStatus] = OrderedDict()
        self._listener: PoolConnectionProxy[Any] | None = None
        self._reconnecting: asyncio.Task[None] | None = None
        self._stopping = False
        self.hits = 0
        self.misses = 0

    @property
    def active(self) -> bool:
        return self._listener is not None and not self._listener.is_closed()

    async def start(self, pool: Pool) -> None:
        self._pool = pool
        self._stopping = False
        await self._listen()

    async def _listen(self) -> None:
        conn: PoolConnectionProxy[Any] = await self._pool.acquire()
        try:
            await conn.add_listener(NOTIFY_CHANNEL, self._on_notify)
            conn.add_termination_listener(self._on_terminated)
        except BaseException:
            await self._pool.release(conn)
            raise
        self._listener = conn
        self.invalidate()

    async def _reconnect(self) -> None:
        """Listen again after the connection was lost (a database restart, say)."""
        delay = 0.5
        while not self._stopping and self._listener is None:
            await asyncio.sleep(delay)
            try:
                await self._listen()
                log.info("qa-status cache listening again")
            except Exception:
                delay = min(delay * 2, 30.0)

    async def stop(self) -> None:
        self._stopping = True
        if self._reconnecting is not None:
            self._reconnecting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reconnecting
        conn, self._listener = self._listener, None
        if conn is not None and not conn.is_closed():
            conn.remove_termination_listener(self._on_terminated)
            with contextlib.suppress(Exception):
                await conn.remove_listener(NOTIFY_CHANNEL, self._on_notify)
            await self._pool.release(conn)
        self.invalidate()

    def invalidate(self) -> None:
        self.generation += 1
        self._answers.clear()

    def get(self, key: str, on: date) -> QaStatus | None:
        if not self.active or self.max_entries == 0:
            return None
        answer = self._answers.get((key, on))
        if answer is None:
            self.misses += 1
            return None
        self.hits += 1
        self._answers.move_to_end((key, on))
        return answer

    def put(self, key: str, on: date, generation: int, answer: QaStatus) -> None:
        if generation != self.generation or not self.active:
            return
        self._answers[(key, on)] = answer
        if len(self._answers) > self.max_entries:
            self._answers.popitem(last=False)

    def _on_notify(self, *_args: Any) -> None:
        self.invalidate()

    def _on_terminated(self, *_args: Any) -> None:
        log.warning("qa-status cache listener lost; bypassed until it listens again")
        self._listener = None
        self.invalidate()
        if not self._stopping:
            self._reconnecting = asyncio.get_running_loop().create_task(self._reconnect())


class ForgetOnWrites:
    """ASGI: a successful write answered by this process drops the cache before
    its response leaves, so whoever made a change reads it back at once (read
    your writes). Refused writes and token requests change nothing."""

    _READS = frozenset({"GET", "HEAD", "OPTIONS"})
    _NOT_CHANGES = frozenset({"/v1/oauth/token"})

    def __init__(self, app: ASGIApp, cache: QaStatusCache) -> None:
        self.app = app
        self.cache = cache

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] in self._READS
            or scope["path"] in self._NOT_CHANGES
        ):
            await self.app(scope, receive, send)
            return

        async def send_after_forgetting(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] < 400:
                self.cache.invalidate()
            await send(message)

        await self.app(scope, receive, send_after_forgetting)


class _QaStatusRoute:
    """Stands in for the route in the request scope, so metrics label the hit like a miss."""

    path = "/v1/institutions/{institution_id}/qa-status"


class ServeCachedQaStatus:
    """ASGI, innermost: answer ``GET /v1/institutions/{id}/qa-status[?on=YYYY-MM-DD]``
    from the cache before routing, when the answer is there.

    A hit costs a dictionary lookup and one serialization instead of routing,
    dependency resolution and parameter validation — the difference between
    about 1,000 and several thousand lookups a second per process. Anything
    else (a miss, ``as_of``, another parameter, a malformed date) goes on to
    the route, which answers, validates and fills the cache exactly as before.
    It runs inside the server span and the request metrics.
    """

    _PREFIX = "/v1/institutions/"
    _SUFFIX = "/qa-status"
    _HEADERS = ((b"content-type", b"application/json"),)

    def __init__(self, app: ASGIApp, cache: QaStatusCache) -> None:
        self.app = app
        self.cache = cache

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            body = self._cached(scope["path"], scope["query_string"])
            if body is not None:
                scope["route"] = _QaStatusRoute
                headers = [*self._HEADERS, (b"content-length", str(len(body)).encode())]
                await send({"type": "http.response.start", "status": 200, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)

    def _cached(self, path: str, query: bytes) -> bytes | None:
        if not (path.startswith(self._PREFIX) and path.endswith(self._SUFFIX)):
            return None
        key = path[len(self._PREFIX) : -len(self._SUFFIX)]
        if not key or "/" in key:
            return None
        now = datetime.now(UTC)
        if not query:
            day = now.date()
        elif query.startswith(b"on=") and len(query) == 13:
            try:
                day = date.fromisoformat(query[3:].decode("ascii"))
            except ValueError:
                return None  # the route answers with a problem naming the parameter
        else:
            return None
        answer = self.cache.get(key, day)
        if answer is None:
            return None
        return answer.model_copy(update={"as_of": now}).model_dump_json().encode()
