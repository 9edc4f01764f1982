"""Delivery status: an institution reads what became of its own credentials' messages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from meriter_notifier.deliveries import service
from meriter_notifier.deliveries.schemas import CredentialDeliveries
from meriter_notifier.deps import InstitutionPath, PoolDep, PrincipalDep
from meriter_shared.openapi import problems

router = APIRouter(prefix="/v1/institutions/{institution_id}", tags=["deliveries"])


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
    async with pool.acquire() as conn:
        return await service.credential_deliveries(conn, principal, institution_id, credential_id)
