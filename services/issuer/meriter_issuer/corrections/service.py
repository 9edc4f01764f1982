"""Corrections and retries: an institution changes a result it posted, or asks for one
rejected for a fixable reason to be decided again.

Invariants:
- Only the institution's own results (another's is not found); a
  deactivated institution corrects and retries nothing (403).
- A correction (``PUT /v1/results/{result_id}``) is one transaction: the
  replaced revision is kept in ``result_revisions`` (which fields changed, no
  values), the result takes its new content as the next ``revision`` and is
  ``accepted`` again, and ``result.registered`` is written to the outbox.
  The worker then issues a credential for it that supersedes the one issued
  before (revoked as ``superseded`` in that same transaction; see
  ``issuance.service``). Content equal to what is stored changes nothing
  (``changed`` False): a PUT repeated after a lost answer is harmless.
- A correction is held to intake's rules: the result_id of the path, the
  institution's own offering, no assessment in the future.
- A result whose learner was erased is not corrected (its personal data is
  gone for good; post a new result).
- A retry (``POST /v1/results/{result_id}/retry``) applies to a result
  rejected for its offering's or institution's registry data only: it is
  ``accepted`` again and ``result.released`` is written to the outbox, in one
  transaction. Any other state answers 409 saying what applies instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from meriter_issuer.corrections import repository
from meriter_issuer.intake import service as intake
from meriter_issuer.intake.schemas import ResultDetail, ResultIn
from meriter_shared.db.outbox import enqueue
from meriter_shared.db.types import Connection
from meriter_shared.errors import Conflict, NotFound, ValidationProblem
from meriter_shared.events.results import ResultRegistered, ResultReleased
from meriter_shared.projections import registry as registry_projection

FIXABLE = ("offering", "institution")
# The fields a revision is compared on (``learner.*`` by its own fields).
_FIELDS = ("offering_id", "assessed_on", "issued_on", "grade", "supervision")


@dataclass(frozen=True)
class Corrected:
    """The result after a PUT, and whether its content changed."""

    changed: bool
    result: ResultDetail


async def correct(
    conn: Connection,
    institution_id: str,
    result_id: str,
    body: ResultIn,
    ref_key: bytes,
    now: datetime,
) -> Corrected:
    """Replace a result's content with ``body`` (a new revision), or change nothing."""
    if body.result_id != result_id:
        raise ValidationProblem(
            f"the body's result_id must be the path's ({result_id})",
            errors=[
                {
                    "in": "body",
                    "pointer": "/result_id",
                    "field": "result_id",
                    "message": f"must be {result_id}, the result this PUT corrects",
                    "code": "result_id_mismatch",
                }
            ],
        )
    await intake.ensure_active(conn, institution_id)
    refused = intake.dates_rejection(body, now)
    owners = await registry_projection.offering_owners(conn, [body.offering_id])
    if owners.get(body.offering_id) != institution_id:
        refused = intake.offering_rejection(body.offering_id, owners)
    if refused is not None:
        raise ValidationProblem(refused.detail, errors=refused.errors)
    new = intake.stored(body, institution_id, ref_key)
    async with conn.transaction():
        row = await repository.lock(conn, institution_id, result_id)
        if row is None:
            raise NotFound(
                f"no result {result_id}: post it first (POST /v1/results); PUT corrects "
                "a result already posted"
            )
        if row["content_hash"] == new["content_hash"]:
            changed = False
        else:
            if row["learner"] is None:
                raise Conflict(
                    f"the learner's data of result {result_id} was erased: it cannot be "
                    "corrected; post the result again under a new result_id"
                )
            await repository.keep_revision(
                conn,
                institution_id,
                result_id,
                row["revision"],
                row["content_hash"],
                changed_fields(row, new),
            )
            await repository.replace(conn, institution_id, new)
            await enqueue(
                conn,
                ResultRegistered(
                    institution_id=institution_id,
                    result_id=result_id,
                    offering_id=body.offering_id,
                ),
            )
            changed = True
    return Corrected(changed, await intake.result(conn, institution_id, result_id))


def changed_fields(stored: Any, new: dict[str, Any]) -> list[str]:
    """The names of the fields whose values differ (``learner.name`` …), sorted."""
    out = [name for name in _FIELDS if stored[name] != new[name]]
    before: dict[str, Any] = stored["learner"] or {}
    after: dict[str, Any] = new["learner"]
    out += [f"learner.{k}" for k in sorted({*before, *after}) if before.get(k) != after.get(k)]
    return sorted(out)


async def retry(conn: Connection, institution_id: str, result_id: str) -> ResultDetail:
    """Decide again a result rejected for its offering's or institution's data."""
    await intake.ensure_active(conn, institution_id)
    async with conn.transaction():
        row = await repository.lock(conn, institution_id, result_id)
        if row is None:
            raise NotFound(f"no result {result_id}")
        if row["state"] != "rejected" or row["reason_kind"] not in FIXABLE:
            raise Conflict(
                _not_retryable(row),
                state=row["state"],
                reason_kind=row["reason_kind"],
            )
        await repository.reopen(conn, institution_id, result_id)
        await enqueue(
            conn,
            ResultReleased(
                institution_id=institution_id, result_id=result_id, offering_id=row["offering_id"]
            ),
        )
    return await intake.result(conn, institution_id, result_id)


def _not_retryable(row: Any) -> str:
    result_id, state = row["result_id"], row["state"]
    head = f"result {result_id} cannot be retried: only a result rejected for its offering's "
    head += "or institution's registry data can; "
    if state == "accepted":
        return head + "this one is accepted and awaiting a decision already"
    if state == "issued":
        return (
            head + f"this one is issued (credential {row['credential_id']}); to change it, "
            f"PUT its corrected content to {intake.correction_url(result_id)}"
        )
    step = intake.next_step(state, row["reason_kind"], result_id)
    return head + f"this one is {state} ({row['reason']}): {step}"
