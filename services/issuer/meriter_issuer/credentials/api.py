"""An institution's own signed credentials."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel

from meriter_issuer.credentials import repository
from meriter_issuer.deps import InstitutionDep, PoolDep
from meriter_shared.errors import NotFound
from meriter_shared.openapi import problems
from meriter_shared.projections import registry as registry_projection

router = APIRouter(prefix="/v1/credentials", tags=["credentials"])
offerings_router = APIRouter(prefix="/v1/offerings", tags=["results"])


@offerings_router.get("/{offering_id}", responses=problems(404))
async def known_offering(offering_id: str, institution: InstitutionDep, pool: PoolDep) -> Any:
    """One of the institution's offerings as the issuer knows it from the registry
    (results may name it once it is here)."""
    async with pool.acquire() as conn:
        offering = await registry_projection.offering(conn, offering_id)
    if offering is None or offering.institution_id != institution:
        raise NotFound(f"the issuer knows no offering {offering_id} of this institution")
    return offering.model_dump(mode="json")


class CredentialItem(BaseModel):
    credential_id: str
    result_id: str | None
    issued_at: datetime
    status: Literal["active", "suspended", "revoked"]


class CredentialsPage(BaseModel):
    items: list[CredentialItem]
    next_cursor: str | None


@router.get("", response_model=CredentialsPage)
async def list_credentials(
    institution: InstitutionDep,
    pool: PoolDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: Annotated[str | None, Query(pattern=r"^[0-9]{1,18}$")] = None,
) -> CredentialsPage:
    """The institution's credentials, oldest first."""
    async with pool.acquire() as conn:
        rows = await repository.page(conn, institution, int(cursor) if cursor else None, limit)
    items = [
        CredentialItem(
            credential_id=r["credential_id"],
            result_id=r["result_id"],
            issued_at=r["issued_at"],
            status="revoked" if r["revoked"] else "suspended" if r["suspended"] else "active",
        )
        for r in rows
    ]
    return CredentialsPage(
        items=items, next_cursor=str(rows[-1]["seq"]) if len(rows) == limit else None
    )


@router.get("/{credential_id}", responses=problems(404))
async def get_credential(credential_id: str, institution: InstitutionDep, pool: PoolDep) -> Any:
    """The signed credential itself (as issued); 404 once erased or not the caller's."""
    async with pool.acquire() as conn:
        row = await repository.one(conn, credential_id)
    if row is None or row["institution_id"] != institution or row["document"] is None:
        raise NotFound(f"no credential {credential_id}")
    return Response(row["document"], media_type="application/vc+ld+json")
