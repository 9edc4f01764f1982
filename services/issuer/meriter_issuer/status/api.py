"""Status routes: the issuing institution revokes, suspends, reinstates; anyone reads lists."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from meriter_issuer.deps import ComponentsDep, PoolDep, SignerDep
from meriter_issuer.status.schemas import StatusIn, StatusOut
from meriter_shared.auth import PrincipalDep
from meriter_shared.openapi import problems

router = APIRouter(tags=["status"])
CACHE = "public, max-age=60"


@router.post(
    "/v1/credentials/{credential_id}/status",
    response_model=StatusOut,
    responses=problems(404, 409),
    openapi_extra={"x-required-role": "institution (the issuer) or admin"},
)
async def change_status(
    credential_id: str,
    change: StatusIn,
    principal: PrincipalDep,
    pool: PoolDep,
    components: ComponentsDep,
    signer: SignerDep,
) -> StatusOut:
    """Revoke (final), suspend or reinstate a credential, with a reason."""
    async with pool.acquire() as conn:
        out = await components.status_lists.change(
            conn,
            principal,
            credential_id,
            change.purpose,
            change.value,
            change.reason,
            components.identities,
            signer,
            components.clock(),
        )
    return StatusOut.model_validate(out)


@router.get("/status-lists/{list_id}", responses=problems(404))
async def status_list(
    list_id: str, request: Request, pool: PoolDep, components: ComponentsDep
) -> Response:
    """A signed BitstringStatusListCredential, with an ETag; rebuilt on change only."""
    async with pool.acquire() as conn:
        document, etag = await components.status_lists.published(conn, list_id)
    headers = {"ETag": etag, "Cache-Control": CACHE}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return JSONResponse(document, headers=headers, media_type="application/vc+ld+json")
