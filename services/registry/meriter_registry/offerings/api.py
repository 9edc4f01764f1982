"""Offering routes: browsing is public; an institution (or the admin) writes its own."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from meriter_registry.deps import InstitutionDep, NowDep, PoolDep
from meriter_registry.offerings import service
from meriter_registry.offerings.schemas import OfferingIn, OfferingOut
from meriter_registry.openapi import requires
from meriter_registry.responses import json_page
from meriter_shared.openapi import problems

router = APIRouter(prefix="/v1", tags=["offerings"])


@router.post(
    "/institutions/{institution_id}/offerings",
    status_code=201,
    response_model=OfferingOut,
    responses=problems(404),
    openapi_extra=requires("institution"),
)
async def publish_offering(
    institution_id: str,
    body: OfferingIn,
    pool: PoolDep,
    institution: InstitutionDep,
    now: NowDep,
) -> OfferingOut:
    """Publish an offering of the institution (by id or DEQAR id): version 1."""
    async with pool.acquire() as conn:
        return await service.publish_offering(conn, institution_id, body, institution, now)


@router.put(
    "/institutions/{institution_id}/offerings/{offering_id}",
    response_model=OfferingOut,
    responses=problems(404),
    openapi_extra=requires("institution"),
)
async def update_offering(
    institution_id: str,
    offering_id: str,
    body: OfferingIn,
    pool: PoolDep,
    institution: InstitutionDep,
    now: NowDep,
) -> OfferingOut:
    """Record the offering's next version; 404 unless the institution has it."""
    async with pool.acquire() as conn:
        return await service.publish_offering(
            conn, institution_id, body, institution, now, offering_id
        )


@router.get("/offerings", responses=problems(404))
async def search_offerings(
    pool: PoolDep,
    institution: Annotated[str | None, Query(max_length=200)] = None,
    eqf_level: Annotated[int | None, Query(ge=1, le=8)] = None,
    language: Annotated[str | None, Query(max_length=10)] = None,
    field_of_study: Annotated[str | None, Query(max_length=200)] = None,
    title: Annotated[str | None, Query(max_length=500)] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> JSONResponse:
    """Browse the offer across institutions; filters match the specification's fields."""
    async with pool.acquire() as conn:
        found, next_cursor = await service.search_offerings(
            conn,
            institution=institution,
            eqf_level=eqf_level,
            language=language,
            field_of_study=field_of_study,
            title=title,
            cursor=cursor,
            limit=limit,
        )
    return json_page(found, next_cursor)


@router.get("/institutions/{institution_id}/offerings", responses=problems(404))
async def list_offerings(institution_id: str, pool: PoolDep) -> JSONResponse:
    async with pool.acquire() as conn:
        found = await service.list_offerings(conn, institution_id)
    results = [{k: v for k, v in o.items() if k != "institution_id"} for o in found]
    return JSONResponse({"results": results})
