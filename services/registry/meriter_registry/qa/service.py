"""The qa-status rule applied: is an institution quality assured on ``on``, as the
registry knew it at ``as_of``?

Invariants:

* One rule, :func:`meriter_shared.qa.quality_assured`, over the report
  versions visible ``as_of`` whose validity window holds the day, with the
  agencies' EQAR registrations as recorded then and the high flags up then.
  The database path (:func:`qa_status`) and the in-memory index
  (:mod:`.index`, questions about now) build the same answer through
  :func:`status_of`, so they cannot drift.
* Answers about now are kept by the per-process cache (:mod:`.cache`) only
  when no change was announced while they were computed; answers as of
  another instant are never cached.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING

from meriter_registry.qa import repository
from meriter_registry.qa.repository import QaReport
from meriter_registry.qa.schemas import QaStatus
from meriter_registry.reports.schemas import ReportOut
from meriter_shared.db.types import Connection, Pool
from meriter_shared.errors import NotFound
from meriter_shared.qa import Registration, Verdict, quality_assured

if TYPE_CHECKING:  # the cache and the index call this module; typing only, no cycle
    from meriter_registry.qa.cache import QaStatusCache
    from meriter_registry.qa.index import QaIndex


# What a report version shows of the rule's facts, and of the rest.
_FACTS_SHOWN = (
    "agency_id",
    "valid_from",
    "valid_to",
    "recorded_at",
    "withdrawn_at",
    "withdrawn_on",
)
_OTHERS_SHOWN = ("local_identifier", "version", "activity_type", "valid_until", "institution_ids")


def report_out(report: QaReport) -> ReportOut:
    """A report version as the API shows it."""
    f = report.facts
    return ReportOut.model_validate(
        {
            "id": f.report_id,
            "status": f.status.value,
            "decision": f.decision.value,
            **{name: getattr(f, name) for name in _FACTS_SHOWN},
            **{name: getattr(report, name) for name in _OTHERS_SHOWN},
        }
    )


def verdict(
    reports: Iterable[QaReport],
    registrations: Mapping[str, Sequence[Registration]],
    on: date,
    as_of: datetime,
) -> Verdict:
    """The rule over ``reports`` (already those visible ``as_of``)."""
    return quality_assured([r.facts for r in reports], registrations, on, as_of)


def status_of(
    institution_id: str,
    reports: Sequence[QaReport],
    registrations: Mapping[str, Sequence[Registration]],
    on: date,
    as_of: datetime,
) -> QaStatus:
    """The answer about ``institution_id``: the verdict, the reports that justify it
    and, for each other report in the window, why it does not count."""
    found = verdict(reports, registrations, on, as_of)
    by_id = {r.facts.report_id: r for r in reports}
    return QaStatus(
        institution_id=institution_id,
        on=on,
        as_of=as_of,
        quality_assured=found.quality_assured,
        reports=[report_out(by_id[f.report_id]) for f in found.justifying],
        not_counted=found.rejected,
    )


async def qa_status(conn: Connection, key: str, on: date, as_of: datetime) -> QaStatus:
    """Is the institution (platform or DEQAR id) quality assured on ``on``, as the
    registry knew it at ``as_of``? From the database; 404 if there is no such
    institution."""
    found = await repository.qa_rows(conn, key, as_of, on)
    if found is None:
        raise NotFound(f"no institution {key}")
    return status_of(found.institution_id, found.reports, found.registrations, on, as_of)


async def answer(
    pool: Pool,
    cache: QaStatusCache,
    index: QaIndex,
    key: str,
    on: date | None,
    as_of: datetime | None,
    now: datetime,
) -> QaStatus:
    """qa-status as the route answers it: about ``on`` (default: today) as of
    ``as_of`` (default: now). About now, from the in-memory index when it is
    ready, else the database, and the answer is offered to the cache (it keeps
    it only if nothing changed meanwhile). Cached answers about the present are
    served before routing (:class:`.cache.ServeCachedQaStatus`)."""
    day = on or now.date()
    generation = cache.generation
    found = index.answer(key, day, now) if as_of is None else None
    if found is None:
        async with pool.acquire() as conn:
            found = await qa_status(conn, key, day, as_of or now)
    if as_of is None:
        cache.put(key, day, generation, found, today=now.date())
    return found
