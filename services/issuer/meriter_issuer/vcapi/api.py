"""W3C VC-API routes: ``POST /credentials/issue`` and ``POST /credentials/status``.

The paths are the VC-API's own (unversioned), so VC-API clients and the W3C
test suites reach them as they are. ``?cryptosuite=eddsa-jcs-2022`` is the
same as ``options.cryptosuite`` for clients that configure a URL per suite.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from meriter_issuer.deps import ComponentsDep, InstitutionDep, PoolDep, SignerDep
from meriter_issuer.vcapi import service
from meriter_issuer.vcapi.schemas import (
    IssueRequest,
    IssueResponse,
    Suite,
    UpdatedStatus,
    UpdateStatusRequest,
    UpdateStatusResponse,
)
from meriter_shared.auth import PrincipalDep
from meriter_shared.hygiene import body_limit
from meriter_shared.openapi import problems

router = APIRouter(tags=["vc-api"])
MAX_CREDENTIAL_BYTES = 1024 * 1024


@router.post(
    "/credentials/issue",
    status_code=201,
    response_model=IssueResponse,
    responses=problems(404),
    openapi_extra={
        "x-required-role": "institution (issues as itself; the admin is refused)",
        **body_limit(MAX_CREDENTIAL_BYTES),
    },
)
async def issue_credential(
    request: IssueRequest,
    institution: InstitutionDep,
    pool: PoolDep,
    components: ComponentsDep,
    signer: SignerDep,
    cryptosuite: Annotated[Suite | None, Query()] = None,
) -> JSONResponse:
    """Sign the institution's own credential under its DID (Data Integrity, eddsa-rdfc-2022
    unless eddsa-jcs-2022 is asked for); ``options.credentialStatus`` adds Bitstring
    Status List entries the institution can change through ``/credentials/status``."""
    async with pool.acquire() as conn:
        credential_id, signed = await service.issue(
            conn, components, signer, institution, request, suite=cryptosuite
        )
    return JSONResponse(
        {"verifiableCredential": signed},
        status_code=201,
        headers={"Location": f"/v1/credentials/{credential_id}"},
    )


@router.post(
    "/credentials/status",
    response_model=UpdateStatusResponse,
    responses=problems(404, 409),
    openapi_extra={"x-required-role": "institution (the issuer) or admin"},
)
async def update_status(
    change: UpdateStatusRequest,
    principal: PrincipalDep,
    pool: PoolDep,
    components: ComponentsDep,
    signer: SignerDep,
) -> UpdateStatusResponse:
    """Set (``status: true``) or clear a credential's revocation or suspension bit and
    publish its re-signed status list. Revocation is final."""
    async with pool.acquire() as conn:
        changed = await service.update_status(conn, components, signer, principal, change)
    return UpdateStatusResponse(
        credentialId=change.credentialId,
        credentials=[UpdatedStatus.model_validate(c) for c in changed],
    )
