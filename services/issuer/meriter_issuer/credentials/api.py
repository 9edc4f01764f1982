"""An institution's own signed credentials, and its offerings as the issuer knows them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from meriter_issuer.credentials import service
from meriter_issuer.credentials.schemas import CredentialsPage
from meriter_issuer.deps import InstitutionDep, PoolDep
from meriter_shared.openapi import problems

router = APIRouter(prefix="/v1/credentials", tags=["credentials"])
offerings_router = APIRouter(prefix="/v1/offerings", tags=["results"])


@offerings_router.get("/{offering_id}", responses=problems(404))
async def known_offering(offering_id: str, institution: InstitutionDep, pool: PoolDep) -> Any:
    """One of the institution's offerings as the issuer knows it from the registry
    (results may name it once it is here)."""
    async with pool.acquire() as conn:
        offering = await service.known_offering(conn, institution, offering_id)
    return offering.model_dump(mode="json")


@router.get("", response_model=CredentialsPage)
async def list_credentials(
    institution: InstitutionDep,
    pool: PoolDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: Annotated[str | None, Query(pattern=r"^[0-9]{1,18}$")] = None,
) -> CredentialsPage:
    """The institution's credentials, oldest first."""
    async with pool.acquire() as conn:
        return await service.page(conn, institution, cursor, limit)


@router.get("/{credential_id}", responses=problems(404))
async def get_credential(credential_id: str, institution: InstitutionDep, pool: PoolDep) -> Any:
    """The signed credential itself (as issued); 404 once erased or not the caller's."""
    async with pool.acquire() as conn:
        document = await service.signed_document(conn, institution, credential_id)
    return Response(document, media_type="application/vc+ld+json")
