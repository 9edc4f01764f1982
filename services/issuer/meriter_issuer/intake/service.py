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
    IntakeAnswer,
    RecordOutcome,
    ResultIn,
    ResultOut,
    ResultsPage,
    Summary,
)
from meriter_shared.auth import Principal, Role
from meriter_shared.db.outbox import enqueue_many
from meriter_shared.db.types import Connection
from meriter_shared.errors import Forbidden, NotFound, ValidationProblem, field_errors
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
class Parsed:
    """One posted record: its model, or the problem with it."""

    index: int
    result: ResultIn | None = None
    problem: dict[str, Any] | None = None


def parse(index: int, value: Any) -> Parsed:
    if not isinstance(value, dict):
        problem = ValidationProblem("a result must be a JSON object")
        return Parsed(index, problem=problem.body(None) | {"index": index})
    try:
        return Parsed(index, ResultIn.model_validate(value))
    except ValidationError as exc:
        problem = ValidationProblem(
            "the result has invalid fields; see errors", errors=field_errors(exc)
        )
        return Parsed(index, problem=problem.body(None) | {"index": index})


async def accept(
    conn: Connection, institution_id: str, records: Sequence[Parsed], ref_key: bytes
) -> IntakeAnswer:
    """Store what is valid and new in one transaction; say what happened to each record."""
    outcomes: dict[int, RecordOutcome] = {}
    first: dict[str, tuple[int, str]] = {}  # result_id -> (index, content hash) in this request
    rows: list[dict[str, Any]] = []
    owners = await registry_projection.offering_owners(
        conn, sorted({r.result.offering_id for r in records if r.result is not None})
    )
    for record in records:
        if record.result is not None and owners.get(record.result.offering_id) != institution_id:
            record = Parsed(record.index, problem=_offering_problem(record, owners))
        if record.result is None:
            outcomes[record.index] = RecordOutcome(
                index=record.index, outcome="rejected", problem=record.problem
            )
            continue
        result = record.result
        digest = content_hash(result)
        seen = first.get(result.result_id)
        if seen is not None:
            outcome = "duplicate" if seen[1] == digest else "conflict"
            outcomes[record.index] = RecordOutcome(
                index=record.index, result_id=result.result_id, outcome=outcome
            )
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
        outcomes[index] = RecordOutcome(index=index, result_id=result_id, outcome=outcome)
    ordered = [outcomes[i] for i in sorted(outcomes)]
    counts = {k: 0 for k in ("accepted", "duplicate", "conflict", "rejected")}
    for o in ordered:
        counts[o.outcome] += 1
    for outcome, n in counts.items():
        if n:
            RESULTS_RECEIVED.labels(outcome).inc(n)
    return IntakeAnswer(**counts, records=ordered)


def _offering_problem(record: Parsed, owners: dict[str, str]) -> dict[str, Any]:
    assert record.result is not None
    offering_id = record.result.offering_id
    message = (
        "this offering is another institution's"
        if offering_id in owners
        else "no such offering in the registry (one published seconds ago may not have "
        "reached the issuer yet: post again shortly)"
    )
    problem = ValidationProblem(
        f"offering {offering_id} cannot be awarded by this institution",
        errors=[
            {
                "in": "body",
                "pointer": "/offering_id",
                "field": "offering_id",
                "message": message,
                "code": "unknown_offering",
            }
        ],
    )
    return problem.body(None) | {"index": record.index}


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
    next_cursor = str(rows[-1]["seq"]) if len(rows) == limit else None
    return ResultsPage(items=[_out(r) for r in rows], next_cursor=next_cursor)


async def summary(conn: Connection, institution_id: str) -> Summary:
    counts = await repository.counts(conn, institution_id)
    return Summary(**{s: counts.get(s, 0) for s in ("accepted", "held", "issued", "rejected")})
