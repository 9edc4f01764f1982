"""Issuer identity routes: an institution's DID, its choice of method, key rotation."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from meriter_issuer.deps import ComponentsDep, PoolDep
from meriter_issuer.identities.schemas import IssuerOut, MethodIn
from meriter_shared.auth import PrincipalDep
from meriter_shared.openapi import problems

router = APIRouter(tags=["issuers"])


@router.get("/v1/issuers/{institution_id}", response_model=IssuerOut, responses=problems(403, 404))
async def get_issuer(
    institution_id: str, principal: PrincipalDep, pool: PoolDep, components: ComponentsDep
) -> IssuerOut:
    """The institution's issuer identity (created on first use): DID, keys, method."""
    async with pool.acquire() as conn:
        identity = await components.identities.issuer(conn, principal, institution_id)
    return components.identities.describe(identity)


@router.put(
    "/v1/issuers/{institution_id}",
    response_model=IssuerOut,
    responses=problems(404),
    openapi_extra={"x-required-role": "institution (its own) or admin"},
)
async def choose_method(
    institution_id: str,
    choice: MethodIn,
    principal: PrincipalDep,
    pool: PoolDep,
    components: ComponentsDep,
) -> IssuerOut:
    """Issue under did:web (the default) or did:key."""
    async with pool.acquire() as conn:
        identity = await components.identities.choose_method(
            conn, principal, institution_id, choice.did_method
        )
    return components.identities.describe(identity)


@router.post(
    "/v1/issuers/{institution_id}/keys",
    response_model=IssuerOut,
    responses=problems(404),
    openapi_extra={"x-required-role": "institution (its own) or admin"},
)
async def rotate_key(
    institution_id: str, principal: PrincipalDep, pool: PoolDep, components: ComponentsDep
) -> IssuerOut:
    """Sign with a new key from now on; earlier keys stay published, retired."""
    async with pool.acquire() as conn:
        identity = await components.identities.rotate(conn, principal, institution_id)
    return components.identities.describe(identity)


@router.get("/issuers/{institution_id}/did.json", responses=problems(404))
async def did_document(institution_id: str, pool: PoolDep, components: ComponentsDep) -> Any:
    """The did:web DID document of an institution (every key it has signed with)."""
    async with pool.acquire() as conn:
        document = await components.identities.did_document(conn, institution_id)
    return JSONResponse(
        document, media_type="application/did+json", headers={"Cache-Control": "max-age=300"}
    )
