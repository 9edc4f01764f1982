"""Delivery status: an institution reads what became of its own credentials' messages."""

from __future__ import annotations

from typing import Annotated, Any, cast

from fastapi import APIRouter, Path

from meriter_notifier.deliveries import repository
from meriter_notifier.deliveries.schemas import CredentialDeliveries, DeliveryStatus, State
from meriter_notifier.deps import InstitutionPath, PoolDep, PrincipalDep
from meriter_shared.auth import Role, authorize
from meriter_shared.errors import NotFound
from meriter_shared.openapi import problems

router = APIRouter(prefix="/v1/institutions/{institution_id}", tags=["deliveries"])


def public_state(row: Any) -> State:
    """What a caller sees: a record being sent is still queued (or retrying)."""
    state = row["state"]
    if state == "sending":
        return "retrying" if row["attempts"] else "queued"
    assert state in ("queued", "sent", "retrying", "failed", "bounced")
    return cast(State, state)


@router.get(
    "/credentials/{credential_id}/deliveries",
    response_model=CredentialDeliveries,
    responses=problems(404),
    openapi_extra={"x-required-role": "institution (its own) or admin"},
)
async def credential_deliveries(
    institution_id: InstitutionPath,
    credential_id: Annotated[str, Path(min_length=1, max_length=200)],
    principal: PrincipalDep,
    pool: PoolDep,
) -> CredentialDeliveries:
    """Every delivery about one of the institution's credentials: learner mail and
    webhooks, each queued, sent, retrying, failed or bounced."""
    authorize(principal, Role.INSTITUTION, tenant_id=institution_id)
    async with pool.acquire() as conn:
        rows = await repository.of_credential(conn, credential_id)
    mine = [r for r in rows if r["institution_id"] == institution_id]
    if not mine:
        raise NotFound(f"no deliveries for credential {credential_id} of this institution")
    return CredentialDeliveries(
        credential_id=credential_id,
        deliveries=[
            DeliveryStatus(
                channel=r["channel"],
                event_type=r["event_type"],
                event_id=r["event_id"],
                endpoint_id=r["endpoint_id"],
                state=public_state(r),
                attempts=r["attempts"],
                created_at=r["created_at"],
                updated_at=r["updated_at"],
                sent_at=r["sent_at"],
                last_error=r["last_error"],
                parked=r["parked_at"] is not None,
            )
            for r in mine
        ],
    )
