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

Only the present is cached (``as_of`` = now), and only about days within
``window_days`` of today, so callers choosing arbitrary dates cannot churn
it. It is bounded by bytes, not entries: each answer is kept serialized
(what a hit sends, with the instant spliced in), its size is its bytes plus
a fixed overhead, and the least recently used entries go first once the
total passes ``max_bytes``. Keys are normalised: an answer is kept under the
institution's platform id and the day as a ``date``; the DEQAR id a caller
used is an alias (bytes counted too) to that id.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

import asyncpg
from asyncpg.pool import PoolConnectionProxy
from pydantic import TypeAdapter
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from meriter_registry.fields import iso_date
from meriter_registry.qa.schemas import QaStatus
from meriter_shared.db.outbox import NOTIFY_CHANNEL
from meriter_shared.db.types import Pool

log = logging.getLogger(__name__)
# What an entry costs beyond its bytes: its key, the dictionary's node, the
# bytes objects' headers (measured: about 300 bytes; rounded up).
ENTRY_OVERHEAD = 400
_INSTANT = TypeAdapter(datetime)
_AS_OF = b'"as_of":'


class _Answer:
    """An answer serialized around its ``as_of`` value, ready to send with another."""

    __slots__ = ("head", "tail")

    def __init__(self, answer: QaStatus) -> None:
        raw = answer.model_dump_json().encode()
        # Inside a JSON string every quote is escaped, so the first '"as_of":'
        # is the key; its value (a quoted instant) ends at the next quote.
        start = raw.index(_AS_OF) + len(_AS_OF)
        end = raw.index(b'"', start + 1) + 1
        self.head, self.tail = raw[:start], raw[end:]

    @property
    def size(self) -> int:
        return len(self.head) + len(self.tail) + ENTRY_OVERHEAD

    def body(self, as_of: datetime) -> bytes:
        return self.head + _INSTANT.dump_json(as_of) + self.tail


class QaStatusCache:
    def __init__(self, max_bytes: int = 16 * 2**20, window_days: int = 1) -> None:
        self.max_bytes = max_bytes
        self.window = timedelta(days=window_days)
        self.generation = 0
        self.size_bytes = 0
        # (institution id, day) → answer; alias key → institution id. One LRU order.
        self._entries: OrderedDict[tuple[str, date] | str, tuple[_Answer | str, int]] = (
            OrderedDict()
        )
        self._listener: PoolConnectionProxy[Any] | None = None
        self._reconnecting: asyncio.Task[None] | None = None
        self._stopping = False
        self.hits = 0
        self.misses = 0
        self._followers: list[Callable[[], None]] = []

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def active(self) -> bool:
        return self._listener is not None and _usable(self._listener)

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
        if conn is not None and _usable(conn):
            conn.remove_termination_listener(self._on_terminated)
            with contextlib.suppress(Exception):
                await conn.remove_listener(NOTIFY_CHANNEL, self._on_notify)
            await self._pool.release(conn)
        self.invalidate()

    def on_invalidate(self, follower: Callable[[], None]) -> None:
        """Call ``follower`` on every invalidation (the past-dates index follows the cache)."""
        self._followers.append(follower)

    def invalidate(self) -> None:
        self.generation += 1
        self._entries.clear()
        self.size_bytes = 0
        for follower in self._followers:
            follower()

    def get(self, key: str, on: date, now: datetime) -> bytes | None:
        """The answer about institution ``key`` (platform or DEQAR id) on ``on``,
        as of ``now``, serialized; None if it is not here."""
        if not self.active or self.max_bytes == 0:
            return None
        alias = self._entries.get(key)
        institution_id = alias[0] if alias is not None and isinstance(alias[0], str) else key
        found = self._entries.get((institution_id, on))
        if found is None or not isinstance(found[0], _Answer):
            self.misses += 1
            return None
        self.hits += 1
        self._entries.move_to_end((institution_id, on))
        if alias is not None:
            self._entries.move_to_end(key)
        return found[0].body(now)

    def put(self, key: str, on: date, generation: int, answer: QaStatus, today: date) -> None:
        """Keep ``answer`` (asked as ``key``, about ``on``, computed at generation
        ``generation``) if it is about a day near ``today`` and nothing changed since."""
        if generation != self.generation or not self.active or self.max_bytes == 0:
            return
        if abs(on - today) > self.window:
            return
        institution_id = answer.institution_id
        entry = _Answer(answer)
        self._store((institution_id, on), entry, entry.size)
        if key != institution_id:
            self._store(key, institution_id, len(key) + len(institution_id) + ENTRY_OVERHEAD)
        while self.size_bytes > self.max_bytes and self._entries:
            _, (_, size) = self._entries.popitem(last=False)
            self.size_bytes -= size

    def _store(self, key: tuple[str, date] | str, value: _Answer | str, size: int) -> None:
        old = self._entries.pop(key, None)
        if old is not None:
            self.size_bytes -= old[1]
        self._entries[key] = (value, size)
        self.size_bytes += size

    def _on_notify(self, *_args: Any) -> None:
        self.invalidate()

    def _on_terminated(self, *_args: Any) -> None:
        log.warning("qa-status cache listener lost; bypassed until it listens again")
        self._listener = None
        self.invalidate()
        if not self._stopping:
            self._reconnecting = asyncio.get_running_loop().create_task(self._reconnect())


def _usable(conn: PoolConnectionProxy[Any]) -> bool:
    """Whether the listening connection is still open. When the server ends it, the
    pool may take the connection back before our termination callback runs; its
    proxy then refuses every call, ``is_closed`` included."""
    try:
        return not conn.is_closed()
    except asyncpg.InterfaceError:
        return False


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


class QaIndexLike(Protocol):
    def answer(self, key: str, on: date, now: datetime) -> QaStatus | None: ...

    def answer_json(self, key: str, on: date, now: datetime) -> bytes | None: ...


class _QaStatusRoute:
    """Stands in for the route in the request scope, so metrics label the hit like a miss."""

    path = "/v1/institutions/{institution_id}/qa-status"


class ServeCachedQaStatus:
    """ASGI, innermost: answer ``GET /v1/institutions/{id}/qa-status[?on=YYYY-MM-DD]``
    from the cache before routing, when the answer is there, else from the
    past-dates index (:mod:`.index`) when it is ready.

    A hit costs two dictionary lookups and one byte join instead of routing,
    dependency resolution and parameter validation — the difference between
    about 1,000 and several thousand lookups a second per process. Anything
    else (a miss, ``as_of``, another parameter, a malformed date) goes on to
    the route, which answers, validates and fills the cache exactly as before.
    It runs inside the server span and the request metrics.
    """

    _PREFIX = "/v1/institutions/"
    _SUFFIX = "/qa-status"
    _HEADERS = ((b"content-type", b"application/json"),)

    def __init__(
        self,
        app: ASGIApp,
        cache: QaStatusCache,
        clock: Callable[[], datetime],
        index: QaIndexLike | None = None,
    ) -> None:
        self.app = app
        self.cache = cache
        self.clock = clock
        self.index = index

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
        now = self.clock().astimezone(UTC)
        if not query:
            day = now.date()
        elif query.startswith(b"on=") and len(query) == 13:
            # The route's own reading of the parameter, so both accept the same days;
            # anything else goes on to the route, whose problem names the parameter.
            found_day = iso_date(query[3:])
            if found_day is None:
                return None
            day = found_day
        else:
            return None
        found = self.cache.get(key, day, now)
        if found is not None or self.index is None:
            return found
        if abs(day - now.date()) > self.cache.window:
            return self.index.answer_json(key, day, now)  # about another day: not kept
        generation = self.cache.generation
        answer = self.index.answer(key, day, now)
        if answer is None:
            return None
        self.cache.put(key, day, generation, answer, today=now.date())
        return answer.model_dump_json().encode()
