"""A per-process in-memory index answering "quality assured on D?" for any D, as
the registry knows it now.

It holds what the rule needs about every report's current version (validity,
status, decision, withdrawal with its date, high flags), every agency's EQAR
registrations as last recorded, and every institution's platform and DEQAR
id. A lookup finds the institution's reports in a dictionary and applies
:func:`meriter_shared.qa.quality_assured` to those whose validity window holds
the date — the same versions, facts and rule as the database path
(:func:`meriter_registry.reports.service.qa_status` with ``as_of`` now), so
the answers are the same, in microseconds instead of a query.

Kept current like the qa-status cache (:mod:`.qa_cache`), whose invalidations
it follows: every committed change is announced by the outbox's
``pg_notify``; on each one the index is dropped at once and rebuilt in the
background from one consistent read (one REPEATABLE READ transaction). A
rebuild is installed only if no change was announced while it ran (the
generation did not move), so it never holds an answer older than the last
announced change; while it is dropped, being rebuilt, or the listening
connection is lost (the cache is then inactive), lookups go to the database.
Bursts of changes (an import) are coalesced: a rebuild waits for a pause in
the changes, and rebuilds are spaced so that they take at most about a fifth
of a core however often the register changes. Questions ``as_of`` another instant always go to
the database.

Memory: a few hundred bytes per report version (tens of thousands of
reports: tens of MB); ``qa_index_enabled`` turns it off.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sys
import time
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pydantic import TypeAdapter

from meriter_registry.qa_cache import QaStatusCache
from meriter_registry.reports import repository
from meriter_registry.reports.schemas import QaStatus, ReportOut
from meriter_shared.db.types import Pool
from meriter_shared.qa import (
    Decision,
    Registration,
    ReportFacts,
    Status,
    Verdict,
    quality_assured,
)

log = logging.getLogger(__name__)
# A rebuild starts once no change has been announced for QUIET_S, and at least
# SPACING times the last build's duration after the last build ended.
QUIET_S = 0.1
SPACING = 4.0


@dataclass(frozen=True, slots=True)
class _Entry:
    """One report's current version: the rule's facts and what an answer shows."""

    facts: ReportFacts
    local_identifier: str
    version: int
    activity_type: str
    valid_until: date
    institution_ids: tuple[str, ...]

    def out(self) -> ReportOut:
        f = self.facts
        return ReportOut(
            id=f.report_id,
            agency_id=f.agency_id,
            local_identifier=self.local_identifier,
            version=self.version,
            activity_type=self.activity_type,
            status=f.status.value,
            decision=f.decision.value,
            valid_from=f.valid_from,
            valid_to=f.valid_to,
            valid_until=self.valid_until,
            institution_ids=list(self.institution_ids),
            recorded_at=f.recorded_at,
            withdrawn_at=f.withdrawn_at,
            withdrawn_on=f.withdrawn_on,
        )


@dataclass(frozen=True, slots=True)
class _Snapshot:
    keys: dict[str, str]  # platform id or DEQAR id -> platform id
    reports: dict[str, tuple[_Entry, ...]]  # platform id -> its reports
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
            rows, flags, agencies, institutions = await repository.index_rows(conn)
        intern = sys.intern
        raised: dict[str, list[tuple[datetime, datetime | None]]] = {}
        for f in flags:
            raised.setdefault(f["report_id"], []).append((f["raised_at"], f["lifted_at"]))
        by_institution: dict[str, list[_Entry]] = {}
        for r in rows:
            entry = _Entry(
                facts=ReportFacts(
                    report_id=r["report_id"],
                    agency_id=intern(r["agency_id"]),
                    status=Status(r["status"]),
                    decision=Decision(r["decision"]),
                    valid_from=r["valid_from"],
                    valid_to=r["valid_to"],
                    recorded_at=r["recorded_at"],
                    withdrawn_at=r["withdrawn_at"],
                    withdrawn_on=r["withdrawn_on"],
                    high_flags=tuple(raised.get(r["report_id"], ())),
                ),
                local_identifier=r["local_identifier"],
                version=r["version"],
                activity_type=intern(r["activity_type"]),
                valid_until=r["valid_until"],
                institution_ids=tuple(intern(i) for i in r["institution_ids"]),
            )
            for iid in entry.institution_ids:
                by_institution.setdefault(iid, []).append(entry)
        registrations = {
            a["agency_id"]: tuple(
                Registration(
                    date.fromisoformat(p["registered_from"]),
                    date.fromisoformat(p["registered_to"]) if p.get("registered_to") else None,
                )
                for p in a["registrations"] or []
            )
            for a in agencies
        }
        keys: dict[str, str] = {}
        for i in institutions:
            iid = intern(i["id"])
            keys[iid] = iid
            if i["deqar_id"]:
                keys.setdefault(i["deqar_id"], iid)
        return _Snapshot(
            keys=keys,
            reports={k: tuple(v) for k, v in by_institution.items()},
            registrations=registrations,
            size=len(rows),
            shown={},
        )

    def _verdict(
        self, key: str, on: date, now: datetime
    ) -> tuple[_Snapshot, str, Verdict, dict[str, _Entry]] | None:
        snapshot = self._snapshot
        if snapshot is None or not self.ready:
            return None
        institution_id = snapshot.keys.get(key)
        if institution_id is None:
            return None
        entries = [
            e
            for e in snapshot.reports.get(institution_id, ())
            if e.facts.valid_from <= on <= e.valid_until
        ]
        verdict = quality_assured(
            [e.facts for e in entries],
            {e.facts.agency_id: snapshot.registrations.get(e.facts.agency_id, ()) for e in entries},
            on,
            now,
        )
        return snapshot, institution_id, verdict, {e.facts.report_id: e for e in entries}

    def answer(self, key: str, on: date, now: datetime) -> QaStatus | None:
        """The answer about institution ``key`` (platform or DEQAR id) on ``on`` as of
        ``now``; None when the index cannot say (not ready, or no such institution:
        the database path answers, with its 404)."""
        found = self._verdict(key, on, now)
        if found is None:
            return None
        _, institution_id, verdict, by_id = found
        return QaStatus(
            institution_id=institution_id,
            on=on,
            as_of=now,
            quality_assured=verdict.quality_assured,
            reports=[by_id[f.report_id].out() for f in verdict.justifying],
            not_counted=verdict.rejected,
        )

    def answer_json(self, key: str, on: date, now: datetime) -> bytes | None:
        """:meth:`answer` as the route would serialize it, byte for byte, joined from
        each report's JSON made once (the hot path)."""
        found = self._verdict(key, on, now)
        if found is None:
            return None
        snapshot, institution_id, verdict, by_id = found
        shown = []
        for f in verdict.justifying:
            raw = snapshot.shown.get(f.report_id)
            if raw is None:
                raw = snapshot.shown[f.report_id] = (
                    by_id[f.report_id].out().model_dump_json().encode()
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
