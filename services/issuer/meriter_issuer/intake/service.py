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
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from prometheus_client import Counter
from pydantic import ValidationError

from meriter_issuer.intake import repository
from meriter_issuer.intake.schemas import (
    OUTCOMES,
    Outcome,
    ResultIn,
    ResultOut,
    ResultsPage,
    Summary,
)
from meriter_shared.auth import Principal, Role
from meriter_shared.db.outbox import enqueue_many
from meriter_shared.db.query import next_cursor
from meriter_shared.db.types import Connection
from meriter_shared.errors import Forbidden, NotFound, field_errors
from meriter_shared.events.results import ResultRegistered
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


@dataclass(frozen=True)
class Rejection:
    """Why a record is refused: a summary and every field at fault (``field_errors``'
    item shape). The HTTP layer turns it into a problem naming the record's index."""

    detail: str
    errors: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class Parsed:
    """One posted record: its model, or why it is refused."""

    index: int
    result: ResultIn | None = None
    rejection: Rejection | None = None


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
        return Parsed(index, rejection=rejection)


def unreadable(index: int, error: str) -> Parsed:
    """A record that is not JSON at all (a bad NDJSON line)."""
    return Parsed(index, rejection=Rejection(error))


async def accept(
    conn: Connection, institution_id: str, records: Sequence[Parsed], ref_key: bytes
) -> Verdicts:
    """Store what is valid and new in one transaction; say what happened to each record."""
    outcomes: dict[int, Verdict] = {}
    first: dict[str, tuple[int, str]] = {}  # result_id -> (index, content hash) in this request
    rows: list[dict[str, Any]] = []
    owners = await registry_projection.offering_owners(
        conn, sorted({r.result.offering_id for r in records if r.result is not None})
    )
    for record in records:
        if record.result is not None and owners.get(record.result.offering_id) != institution_id:
            record = Parsed(record.index, rejection=_offering_rejection(record.result, owners))
        if record.result is None:
            outcomes[record.index] = Verdict(record.index, "rejected", rejection=record.rejection)
            continue
        result = record.result
        digest = content_hash(result)
        seen = first.get(result.result_id)
        if seen is not None:
            outcome: Outcome = "duplicate" if seen[1] == digest else "conflict"
            outcomes[record.index] = Verdict(record.index, outcome, result.result_id)
            continue
        first[result.result_id] = (record.index, digest)
        rows.append(
            {
                "result_id": result.result_id,
                "offering_id": result.offering_id,
                "content_hash": digest,
                "learner": result.learner.model_dump(mode="json"),
                "learner_ref": learner_ref(ref_key, institution_id, result.learner.identifier),
                "assessed_on": result.assessed_on,
                "issued_on": result.issued_on,
                "grade": result.grade,
                "supervision": result.supervision.value if result.supervision else None,
            }
        )
    async with conn.transaction():
        new = await repository.insert_new(conn, institution_id, rows) if rows else set()
        known = await repository.content_hashes(
            conn, institution_id, [r["result_id"] for r in rows if r["result_id"] not in new]
        )
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
            ],
        )
    for row in rows:
        result_id = row["result_id"]
        index = first[result_id][0]
        if result_id in new:
            outcome = "accepted"
        elif known.get(result_id) == row["content_hash"]:
            outcome = "duplicate"
        else:
            outcome = "conflict"
        outcomes[index] = Verdict(index, outcome, result_id)
    ordered = [outcomes[i] for i in sorted(outcomes)]
    counts: dict[Outcome, int] = dict.fromkeys(OUTCOMES, 0)
    for o in ordered:
        counts[o.outcome] += 1
    for name, n in counts.items():
        if n:
            RESULTS_RECEIVED.labels(name).inc(n)
    return Verdicts(ordered, counts)


def _offering_rejection(result: ResultIn, owners: dict[str, str]) -> Rejection:
    offering_id = result.offering_id
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


def _out(row: Any) -> ResultOut:
    return ResultOut.model_validate(dict(row))


async def result(conn: Connection, institution_id: str, result_id: str) -> ResultOut:
    row = await repository.one(conn, institution_id, result_id)
    if row is None:
        raise NotFound(f"no result {result_id}")
    return _out(row)


async def results(
    conn: Connection, institution_id: str, state: str | None, cursor: str | None, limit: int
) -> ResultsPage:
    after = int(cursor) if cursor else None
    rows = await repository.page(conn, institution_id, state, after, limit)
    return ResultsPage(
        items=[_out(r) for r in rows], next_cursor=next_cursor(rows, limit, lambda r: str(r["seq"]))
    )


async def summary(conn: Connection, institution_id: str) -> Summary:
    counts = await repository.counts(conn, institution_id)
    return Summary(**{s: counts.get(s, 0) for s in ("accepted", "held", "issued", "rejected")})
