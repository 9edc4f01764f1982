"""A per-process in-memory index answering "quality assured on D?" for any D, as
the registry knows it now.

It holds what the rule needs about every report's current version (validity,
status, decision, withdrawal with its date, high flags), every agency's EQAR
registrations as last recorded, and every institution's platform and DEQAR
id. A lookup finds the institution's reports in a dictionary and applies
:func:`meriter_shared.qa.quality_assured` to those whose validity window holds
the date — the same versions, facts and rule as the database path
(:func:`.service.qa_status` with ``as_of`` now; both answer through
:func:`.service.status_of`), so the answers are the same, in microseconds instead of a query.

Kept current like the qa-status cache (:mod:`.cache`), whose invalidations
it follows: every committed change is announced by the outbox's
``pg_notify``; on each one the index is dropped at once and rebuilt in the
background from one consistent read (one REPEATABLE READ transaction). A
rebuild is installed only if no change was announced while it ran (the
generation did not move), so it never holds an answer older than the last
announced change; while it is dropped, being rebuilt, or the listening
connection is lost (the cache is then inactive), lookups go to the database.
Bursts of changes (an import) are coalesced: a rebuild waits for a pause in
the changes, and rebuilds are spaced so that they take at most about a fifth
of a core however often the register changes. Questions ``as_of`` another
instant always go to the database.

Memory: a few hundred bytes per report version (tens of thousands of
reports: tens of MB); ``qa_index_enabled`` turns it off.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pydantic import TypeAdapter

from meriter_registry.qa import repository, service
from meriter_registry.qa.cache import QaStatusCache
from meriter_registry.qa.repository import QaReport
from meriter_registry.qa.schemas import QaStatus
from meriter_shared.db.types import Pool
from meriter_shared.qa import Registration, Verdict

log = logging.getLogger(__name__)
# A rebuild starts once no change has been announced for QUIET_S, and at least
# SPACING times the last build's duration after the last build ended.
QUIET_S = 0.1
SPACING = 4.0


@dataclass(frozen=True, slots=True)
class _Snapshot:
    keys: dict[str, str]  # platform id or DEQAR id -> platform id
    reports: dict[str, tuple[QaReport, ...]]  # platform id -> its reports
    registrations: dict[str, tuple[Registration, ...]]
    size: int
    # report id -> its ReportOut as JSON, made when first shown (the hot path's
    # answers are joined from these, not serialized anew).
    shown: dict[str, bytes]


_INSTANT = TypeAdapter(datetime)


def _text(value: str) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode()


class QaIndex:
    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self.generation = 0
        self._snapshot: _Snapshot | None = None
        self._cache: QaStatusCache | None = None
        self._pool: Pool | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self.builds = 0
        self.last_build_s = 0.0
        self._changed_at = 0.0
        self._next_build_at = 0.0

    @property
    def ready(self) -> bool:
        return (
            self._snapshot is not None
            and self._cache is not None
            and self._cache.active
            and not self._stopping
        )

    async def start(self, pool: Pool, cache: QaStatusCache) -> None:
        """Follow ``cache``'s invalidations and build the first index (in the background)."""
        if not self.enabled:
            return
        self._pool, self._cache, self._stopping = pool, cache, False
        cache.on_invalidate(self.invalidate)
        self.invalidate()

    async def stop(self) -> None:
        self._stopping = True
        self._snapshot = None
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def invalidate(self) -> None:
        """A change was committed (or the listener restarted): drop, rebuild soon."""
        self.generation += 1
        self._snapshot = None
        self._changed_at = time.monotonic()
        if self._stopping or self._pool is None:
            return
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._rebuild())

    async def wait_ready(self, within_s: float = 10.0) -> bool:
        """For tests and benchmarks: until the index is installed (or ``within_s``)."""
        deadline = time.monotonic() + within_s
        while not self.ready and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        return self.ready

    async def _rebuild(self) -> None:
        """Rebuild once changes pause for ``QUIET_S``; and never spend more than about
        1 / ``SPACING`` of a core on rebuilding (a build of 50,000 reports takes
        a second or two), however often the register changes."""
        while not self._stopping:
            wait = max(QUIET_S - (time.monotonic() - self._changed_at), 0.0)
            wait = max(wait, self._next_build_at - time.monotonic())
            if wait > 0:
                await asyncio.sleep(wait)
                continue
            generation = self.generation
            started = time.monotonic()
            try:
                snapshot = await self._load()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("qa-status index not rebuilt; lookups use the database")
                self._next_build_at = time.monotonic() + 5.0
                continue
            took = time.monotonic() - started
            self._next_build_at = time.monotonic() + SPACING * took
            if generation == self.generation:
                self._snapshot = snapshot
                self.builds += 1
                self.last_build_s = took
                return

    async def _load(self) -> _Snapshot:
        assert self._pool is not None
        async with self._pool.acquire() as conn:
            read = await repository.snapshot(conn)
        by_institution: dict[str, list[QaReport]] = {}
        for report in read.reports:
            for iid in report.institution_ids:
                by_institution.setdefault(iid, []).append(report)
        keys: dict[str, str] = {}
        for iid, deqar_id in read.institutions:
            keys[iid] = iid
            if deqar_id:
                keys.setdefault(deqar_id, iid)
        return _Snapshot(
            keys=keys,
            reports={k: tuple(v) for k, v in by_institution.items()},
            registrations=read.registrations,
            size=len(read.reports),
            shown={},
        )

    def _lookup(
        self, key: str, on: date
    ) -> tuple[_Snapshot, str, list[QaReport], dict[str, tuple[Registration, ...]]] | None:
        """The institution's reports whose window holds ``on``, and their agencies'
        registrations; None when the index cannot say."""
        snapshot = self._snapshot
        if snapshot is None or not self.ready:
            return None
        institution_id = snapshot.keys.get(key)
        if institution_id is None:
            return None
        reports = [
            r
            for r in snapshot.reports.get(institution_id, ())
            if r.facts.valid_from <= on <= r.valid_until
        ]
        registrations = {
            r.facts.agency_id: snapshot.registrations.get(r.facts.agency_id, ()) for r in reports
        }
        return snapshot, institution_id, reports, registrations

    def answer(self, key: str, on: date, now: datetime) -> QaStatus | None:
        """The answer about institution ``key`` (platform or DEQAR id) on ``on`` as of
        ``now``; None when the index cannot say (not ready, or no such institution:
        the database path answers, with its 404)."""
        found = self._lookup(key, on)
        if found is None:
            return None
        _, institution_id, reports, registrations = found
        return service.status_of(institution_id, reports, registrations, on, now)

    def answer_json(self, key: str, on: date, now: datetime) -> bytes | None:
        """:meth:`answer` as the route would serialize it, byte for byte, joined from
        each report's JSON made once (the hot path)."""
        found = self._lookup(key, on)
        if found is None:
            return None
        snapshot, institution_id, reports, registrations = found
        verdict: Verdict = service.verdict(reports, registrations, on, now)
        by_id = {r.facts.report_id: r for r in reports}
        shown = []
        for f in verdict.justifying:
            raw = snapshot.shown.get(f.report_id)
            if raw is None:
                raw = snapshot.shown[f.report_id] = (
                    service.report_out(by_id[f.report_id]).model_dump_json().encode()
                )
            shown.append(raw)
        not_counted = b",".join(_text(k) + b":" + _text(v) for k, v in verdict.rejected.items())
        return b"".join(
            (
                b'{"institution_id":',
                _text(institution_id),
                b',"on":"',
                on.isoformat().encode(),
                b'","as_of":',
                _INSTANT.dump_json(now),
                b',"quality_assured":',
                b"true" if verdict.quality_assured else b"false",
                b',"reports":[',
                b",".join(shown),
                b'],"not_counted":{',
                not_counted,
                b"}}",
            )
        )

    def stats(self) -> dict[str, Any]:
        snapshot = self._snapshot
        return {
            "ready": self.ready,
            "reports": snapshot.size if snapshot else 0,
            "builds": self.builds,
            "last_build_s": round(self.last_build_s, 3),
        }
