"""Webhook routes: an institution's endpoints and its parked deliveries."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote
from uuid import UUID

from fastapi import APIRouter, Header, Query, Response

from meriter_notifier.deps import InstitutionPath, KeysDep, PoolDep, PrincipalDep, SettingsDep
from meriter_notifier.webhooks import service
from meriter_notifier.webhooks.schemas import (
    EndpointCreated,
    EndpointIn,
    EndpointsPage,
    ParkedPage,
    ReplayIn,
    ReplayOut,
)
from meriter_shared.openapi import problems

router = APIRouter(prefix="/v1/institutions/{institution_id}", tags=["webhooks"])
ROLE = {"x-required-role": "institution (its own) or admin"}


@router.post(
    "/webhooks",
    status_code=201,
    response_model=EndpointCreated,
    responses={
        200: {"model": EndpointCreated, "description": "made before (same Idempotency-Key)"},
        **problems(409),
    },
    openapi_extra=ROLE,
)
async def register_endpoint(
    institution_id: InstitutionPath,
    body: EndpointIn,
    principal: PrincipalDep,
    pool: PoolDep,
    settings: SettingsDep,
    keys: KeysDep,
    response: Response,
    idempotency_key: Annotated[
        str | None, Header(alias="Idempotency-Key", min_length=1, max_length=200)
    ] = None,
) -> EndpointCreated:
    """Register an HTTPS endpoint for the event types it wants; the answer holds its
    signing secret, shown only here."""
    async with pool.acquire() as conn:
        created, new = await service.register(
            conn,
            principal,
            institution_id,
            body,
            settings=settings.webhooks,
            keys=keys,
            idempotency_key=idempotency_key,
        )
    response.status_code = 201 if new else 200
    # A header holds ASCII: the institution id (any text) goes percent-encoded.
    institution = quote(institution_id, safe="")
    response.headers["Location"] = f"/v1/institutions/{institution}/webhooks/{created.id}"
    return created


@router.get("/webhooks", response_model=EndpointsPage, openapi_extra=ROLE)
async def list_endpoints(
    institution_id: InstitutionPath, principal: PrincipalDep, pool: PoolDep
) -> EndpointsPage:
    async with pool.acquire() as conn:
        items = await service.list_endpoints(conn, principal, institution_id)
    return EndpointsPage(items=items)


@router.delete(
    "/webhooks/{endpoint_id}", status_code=204, responses=problems(404), openapi_extra=ROLE
)
async def delete_endpoint(
    institution_id: InstitutionPath, endpoint_id: UUID, principal: PrincipalDep, pool: PoolDep
) -> Response:
    """Stop delivering to this endpoint (what is still pending to it fails)."""
    async with pool.acquire() as conn:
        await service.delete_endpoint(conn, principal, institution_id, endpoint_id)
    return Response(status_code=204)


@router.get("/webhook-deliveries/parked", response_model=ParkedPage, openapi_extra=ROLE)
async def parked_deliveries(
    institution_id: InstitutionPath,
    principal: PrincipalDep,
    pool: PoolDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: Annotated[str | None, Query(pattern=r"^[0-9]{1,18}$")] = None,
) -> ParkedPage:
    """Deliveries that failed every try and wait for a replay, oldest first."""
    async with pool.acquire() as conn:
        return await service.parked(
            conn, principal, institution_id, int(cursor) if cursor else None, limit
        )


@router.post("/webhook-deliveries/replay", response_model=ReplayOut, openapi_extra=ROLE)
async def replay_parked(
    institution_id: InstitutionPath, body: ReplayIn, principal: PrincipalDep, pool: PoolDep
) -> ReplayOut:
    """Send parked deliveries again (those named, or all), with fresh tries."""
    async with pool.acquire() as conn:
        count = await service.replay(conn, principal, institution_id, body.delivery_ids)
    return ReplayOut(replayed=count)
