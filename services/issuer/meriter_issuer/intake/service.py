"""Results intake: what an institution posts becomes durable, or is told why not.

Invariants:
- Only institution clients post results, and only for themselves (the
  institution is their token's tenant); admin and agency tokens are refused.
- A request's accepted results, and one ``result.registered`` event each,
  commit in ONE transaction before the answer says "accepted": nothing
  accepted is lost, and a failure accepts nothing.
- A result names one of the institution's own offerings as the registry
  published it (the local projection); any other is rejected per record.
- A ``result_id`` is the institution's: posted again with the same content
  it is a duplicate (nothing changes, the answer is as the first time's); with
  other content it is a conflict. Each record is judged on its own, so valid
  records are accepted beside bad ones.
- The learner's personal data is stored only in ``results.learner``; rows
  are found for erasure by ``learner_ref``, a keyed hash of the identifier.
- Nothing rejected for a fixable reason stays rejected because it was posted
  again: the same content of a result rejected for its offering's or
  institution's data is decided again (outcome ``accepted``); one rejected
  for its own data or erased is answered with a problem saying so. Other
  content for a known ``result_id`` is a ``conflict`` whose problem says to
  correct it with ``PUT /v1/results/{result_id}``.
- An assessment date in the future (anywhere on Earth: today + 14 hours) or
  a date of issuing before it is refused; a deactivated institution posts
  nothing (403).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from prometheus_client import Counter
from pydantic import ValidationError

from meriter_issuer.intake import repository
from meriter_issuer.intake.repository import FIXABLE
from meriter_issuer.intake.schemas import (
    DATE_FORMAT,
    OUTCOMES,
    Outcome,
    ResultDetail,
    ResultIn,
    ResultOut,
    ResultsPage,
    RevisionOut,
    Summary,
)
from meriter_shared.auth import Principal, Role
from meriter_shared.db.outbox import enqueue_many
from meriter_shared.db.query import next_cursor
from meriter_shared.db.types import Connection
from meriter_shared.errors import Forbidden, NotFound, field_errors
from meriter_shared.events.results import ResultRegistered, ResultReleased
from meriter_shared.projections import registry as registry_projection

RESULTS_RECEIVED = Counter(
    "meriter_issuer_results_total", "Results posted, by outcome", ["outcome"]
)


def institution_of(principal: Principal) -> str:
    """The institution a caller posts and reads results for: only its own."""
    if principal.role is not Role.INSTITUTION or principal.tenant_id is None:
        raise Forbidden("only an institution's own client posts and reads its results")
    return principal.tenant_id


def learner_ref(key: bytes, institution_id: str, identifier: str) -> str:
    message = f"{institution_id}\x00{identifier}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def content_hash(result: ResultIn) -> str:
    canonical = json.dumps(result.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def stored(result: ResultIn, institution_id: str, ref_key: bytes) -> dict[str, Any]:
    """A result as its row stores it (the learner's identifier only as data to erase,
    and found again by its keyed reference)."""
    return {
        "result_id": result.result_id,
        "offering_id": result.offering_id,
        "content_hash": content_hash(result),
        "learner": result.learner.model_dump(mode="json"),
        "learner_ref": learner_ref(ref_key, institution_id, result.learner.identifier),
        "assessed_on": result.assessed_on,
        "issued_on": result.issued_on,
        "grade": result.grade,
        "supervision": result.supervision.value if result.supervision else None,
    }


# The latest date an assessment may carry: today somewhere on Earth (UTC+14).
AHEAD = timedelta(hours=14)


@dataclass(frozen=True)
class Rejection:
    """Why a record is refused: a summary and every field at fault (``field_errors``'
    item shape). The HTTP layer turns it into a problem naming the record's index:
    422 (invalid) or 409 (``status``: in conflict with what is stored), with
    ``extensions`` (e.g. where to correct it) as extra members."""

    detail: str
    errors: tuple[dict[str, Any], ...] = ()
    status: int = 422
    extensions: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Parsed:
    """One posted record: its model, or why it is refused (with its ``result_id``
    when the record named one, so the answer can echo it)."""

    index: int
    result: ResultIn | None = None
    rejection: Rejection | None = None
    result_id: str | None = None


@dataclass(frozen=True)
class Verdict:
    """What became of one record."""

    index: int
    outcome: Outcome
    result_id: str | None = None
    rejection: Rejection | None = None


@dataclass(frozen=True)
class Verdicts:
    """Each record's verdict in the order sent, and how many of each outcome."""

    records: list[Verdict]
    counts: dict[Outcome, int]


def parse(index: int, value: Any) -> Parsed:
    if not isinstance(value, dict):
        return Parsed(index, rejection=Rejection("a result must be a JSON object"))
    try:
        return Parsed(index, ResultIn.model_validate(value))
    except ValidationError as exc:
        rejection = Rejection("the result has invalid fields; see errors", tuple(field_errors(exc)))
        named = value.get("result_id")
        return Parsed(index, rejection=rejection, result_id=_echo(named))


def _echo(named: Any) -> str | None:
    """A rejected record's ``result_id`` as the answer echoes it: when it was a string
    of a sensible length (it names the record; it is the institution's own key)."""
    return named.strip() if isinstance(named, str) and 0 < len(named.strip()) <= 128 else None


def dates_rejection(result: ResultIn, now: datetime) -> Rejection | None:
    """An assessment in the future, or issued before it was assessed, is refused."""
    latest: date = (now + AHEAD).date()
    errors = []
    if result.assessed_on > latest:
        errors.append(
            _date_error(
                "assessed_on",
                f"{DATE_FORMAT}, not in the future (on or before {now.date().isoformat()})",
                "date_in_future",
            )
        )
    if result.issued_on is not None and result.issued_on < result.assessed_on:
        errors.append(
            _date_error(
                "issued_on",
                f"{DATE_FORMAT}, on or after assessed_on ({result.assessed_on.isoformat()})",
                "date_before_assessment",
            )
        )
    if not errors:
        return None
    return Rejection("the result has invalid dates; see errors", tuple(errors))


def _date_error(name: str, message: str, code: str) -> dict[str, Any]:
    return {"in": "body", "pointer": f"/{name}", "field": name, "message": message, "code": code}


async def ensure_active(conn: Connection, institution_id: str) -> None:
    """A deactivated institution posts, corrects and retries nothing (403)."""
    state = await registry_projection.institution(conn, institution_id)
    if state is not None and state.deactivated_at is not None:
        raise Forbidden(
            f"institution {institution_id} is deactivated (since "
            f"{state.deactivated_at.date().isoformat()}): it cannot post new results",
            institution_deactivated_at=state.deactivated_at.isoformat(),
        )


def correction_url(result_id: str) -> str:
    return f"/v1/results/{result_id}"


def conflict_rejection(result_id: str) -> Rejection:
    """Other content for a known result: correct it with PUT, not POST."""
    url = correction_url(result_id)
    return Rejection(
        f"result {result_id} was posted before with other content; to correct it, "
        f"PUT the new content to {url}",
        status=409,
        extensions={"correct_with": {"method": "PUT", "url": url}},
    )


def stays_rejected(result_id: str, reason: str | None, kind: str | None) -> Rejection:
    """The same content of a result rejected for a reason a retry does not fix."""
    how = next_step("rejected", kind, result_id) or "it will not be issued"
    return Rejection(f"result {result_id} was rejected ({reason}): {how}", status=409)


def unreadable(index: int, error: str) -> Parsed:
    """A record that is not JSON at all (a bad NDJSON line)."""
    return Parsed(index, rejection=Rejection(error))


async def accept(
    conn: Connection,
    institution_id: str,
    records: Sequence[Parsed],
    ref_key: bytes,
    now: datetime,
) -> Verdicts:
    """Store what is valid and new in one transaction; say what happened to each record."""
    await ensure_active(conn, institution_id)
    outcomes: dict[int, Verdict] = {}
    first: dict[str, tuple[int, str]] = {}  # result_id -> (index, content hash) in this request
    rows: list[dict[str, Any]] = []
    owners = await registry_projection.offering_owners(
        conn, sorted({r.result.offering_id for r in records if r.result is not None})
    )
    for record in records:
        if record.result is not None:
            why = dates_rejection(record.result, now)
            if owners.get(record.result.offering_id) != institution_id:
                why = offering_rejection(record.result.offering_id, owners)
            if why is not None:
                record = Parsed(record.index, rejection=why, result_id=record.result.result_id)
        if record.result is None:
            outcomes[record.index] = Verdict(
                record.index, "rejected", record.result_id, rejection=record.rejection
            )
            continue
        result = record.result
        digest = content_hash(result)
        seen = first.get(result.result_id)
        if seen is not None:
            same = seen[1] == digest
            outcomes[record.index] = Verdict(
                record.index,
                "duplicate" if same else "conflict",
                result.result_id,
                rejection=None if same else conflict_rejection(result.result_id),
            )
            continue
        first[result.result_id] = (record.index, digest)
        rows.append(stored(result, institution_id, ref_key))
    async with conn.transaction():
        new = await repository.insert_new(conn, institution_id, rows) if rows else set()
        old = [r for r in rows if r["result_id"] not in new]
        known = await repository.known(conn, institution_id, [r["result_id"] for r in old])
        # The same content of a result rejected for a fixable reason: decided again.
        again = [
            r["result_id"]
            for r in old
            if known[r["result_id"]]["content_hash"] == r["content_hash"]
            and known[r["result_id"]]["state"] == "rejected"
            and known[r["result_id"]]["reason_kind"] in FIXABLE
        ]
        reopened = await repository.reopen_fixable(conn, institution_id, again) if again else []
        await enqueue_many(
            conn,
            [
                ResultRegistered(
                    institution_id=institution_id,
                    result_id=r["result_id"],
                    offering_id=r["offering_id"],
                )
                for r in rows
                if r["result_id"] in new
            ]
            + [
                ResultReleased(
                    institution_id=institution_id,
                    result_id=r["result_id"],
                    offering_id=r["offering_id"],
                )
                for r in reopened
            ],
        )
    retried = {r["result_id"] for r in reopened}
    for row in rows:
        result_id = row["result_id"]
        index = first[result_id][0]
        found = known.get(result_id, {})
        outcome: Outcome
        rejection = None
        if result_id in new or result_id in retried:
            outcome = "accepted"
        elif found["content_hash"] != row["content_hash"]:
            outcome, rejection = "conflict", conflict_rejection(result_id)
        elif found["state"] == "rejected":
            outcome = "rejected"
            rejection = stays_rejected(result_id, found["reason"], found["reason_kind"])
        else:
            outcome = "duplicate"
        outcomes[index] = Verdict(index, outcome, result_id, rejection)
    ordered = [outcomes[i] for i in sorted(outcomes)]
    counts: dict[Outcome, int] = dict.fromkeys(OUTCOMES, 0)
    for o in ordered:
        counts[o.outcome] += 1
    for name, n in counts.items():
        if n:
            RESULTS_RECEIVED.labels(name).inc(n)
    return Verdicts(ordered, counts)


def offering_rejection(offering_id: str, owners: dict[str, str]) -> Rejection:
    """The offering is not this institution's, as far as the registry's projection knows."""
    message = (
        "this offering is another institution's"
        if offering_id in owners
        else "no such offering in the registry (one published seconds ago may not have "
        "reached the issuer yet: post again shortly)"
    )
    return Rejection(
        f"offering {offering_id} cannot be awarded by this institution",
        (
            {
                "in": "body",
                "pointer": "/offering_id",
                "field": "offering_id",
                "message": message,
                "code": "unknown_offering",
            },
        ),
    )


_WAITS_FOR = {
    "institution": "the registry's record of this institution to reach the issuer",
    "offering": "the registry's record of this offering to reach the issuer",
    "quality-assurance": "a quality assurance report in the registry that covers the date "
    "of issuing (by an agency registered in EQAR on that date)",
}


def next_step(state: str, kind: str | None, result_id: str) -> str | None:
    """What happens next to a held or rejected result, or what the institution can do."""
    if state == "held":
        waits = _WAITS_FOR.get(kind or "", "the registry's answer to change")
        return (
            "nothing to do: the issuer releases this result by itself when the registry's "
            f"answer allows it; it waits for {waits}"
        )
    if state != "rejected":
        return None
    if kind in FIXABLE:
        return (
            f"correct the {kind}'s data in the registry: the issuer decides this result again "
            f"by itself when that change reaches it, or ask for it with POST "
            f"{correction_url(result_id)}/retry"
        )
    if kind == "result":
        return f"correct the result: PUT its corrected content to {correction_url(result_id)}"
    if kind == "erased":
        return "none: the learner's data was erased, so this result will not be issued"
    return None


def out(row: Any) -> ResultOut:
    values = dict(row)
    values["next_step"] = next_step(row["state"], row["reason_kind"], row["result_id"])
    return ResultOut.model_validate(values)


async def result(conn: Connection, institution_id: str, result_id: str) -> ResultDetail:
    """One result, with its earlier revisions."""
    row = await repository.one(conn, institution_id, result_id)
    if row is None:
        raise NotFound(f"no result {result_id}")
    history = await repository.revisions(conn, institution_id, result_id)
    return ResultDetail(
        **out(row).model_dump(),
        history=[RevisionOut.model_validate(dict(r)) for r in history],
    )


async def results(
    conn: Connection, institution_id: str, state: str | None, cursor: str | None, limit: int
) -> ResultsPage:
    after = int(cursor) if cursor else None
    rows = await repository.page(conn, institution_id, state, after, limit)
    return ResultsPage(
        items=[out(r) for r in rows], next_cursor=next_cursor(rows, limit, lambda r: str(r["seq"]))
    )


async def summary(conn: Connection, institution_id: str) -> Summary:
    counts = await repository.counts(conn, institution_id)
    return Summary(**{s: counts.get(s, 0) for s in ("accepted", "held", "issued", "rejected")})
