"""Institution routes: reads are public, writes are the admin's."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from meriter_registry.deps import AdminDep, NowDep, PoolDep
from meriter_registry.institutions import service
from meriter_registry.institutions.schemas import (
    InstitutionIn,
    InstitutionOut,
    InstitutionPage,
    InstitutionSummary,
    StatusChange,
)
from meriter_registry.openapi import requires
from meriter_registry.responses import CSV_PAGE, csv_page, json_page
from meriter_shared.openapi import problems

router = APIRouter(prefix="/v1", tags=["institutions"])


@router.post(
    "/institutions",
    status_code=201,
    response_model=InstitutionOut,
    responses=problems(409),
    openapi_extra=requires("admin"),
)
async def register_institution(
    body: InstitutionIn, pool: PoolDep, admin: AdminDep
) -> InstitutionOut:
    """Register an institution; its DEQAR, ETER and other identifiers are unique (409)."""
    async with pool.acquire() as conn:
        return await service.register_institution(conn, body, admin)


@router.put(
    "/institutions/{institution_id}",
    response_model=InstitutionOut,
    responses=problems(404, 409),
    openapi_extra=requires("admin"),
)
async def update_institution(
    institution_id: str, body: InstitutionIn, pool: PoolDep, admin: AdminDep
) -> InstitutionOut:
    """Replace an institution (by id or DEQAR id); its old state stays in the history."""
    async with pool.acquire() as conn:
        return await service.update_institution(conn, institution_id, body, admin)


@router.post(
    "/institutions/{institution_id}/deactivate",
    response_model=InstitutionOut,
    responses=problems(404),
    openapi_extra=requires("admin"),
)
async def deactivate_institution(
    institution_id: str, body: StatusChange, pool: PoolDep, admin: AdminDep, now: NowDep
) -> InstitutionOut:
    """Deactivate an institution (by id or DEQAR id), saying why: it stays in the registry
    and its credentials stay verifiable, but the issuer takes no new results from it.
    Idempotent: an institution already deactivated keeps its ``deactivated_at`` and
    reason, and nothing is announced. ``POST …/reactivate`` undoes it."""
    async with pool.acquire() as conn:
        return await service.deactivate_institution(conn, institution_id, body, admin, now)


@router.post(
    "/institutions/{institution_id}/reactivate",
    response_model=InstitutionOut,
    responses=problems(404),
    openapi_extra=requires("admin"),
)
async def reactivate_institution(
    institution_id: str, body: StatusChange, pool: PoolDep, admin: AdminDep
) -> InstitutionOut:
    """Make a deactivated institution (by id or DEQAR id) active again, saying why (kept
    in its history); idempotent."""
    async with pool.acquire() as conn:
        return await service.reactivate_institution(conn, institution_id, body, admin)


@router.get(
    "/institutions/{institution_id}", response_model=InstitutionOut, responses=problems(404)
)
async def get_institution(institution_id: str, pool: PoolDep) -> InstitutionOut:
    async with pool.acquire() as conn:
        return await service.get_institution(conn, institution_id)


@router.get("/institutions", response_model=InstitutionPage, responses=CSV_PAGE)
async def search_institutions(
    pool: PoolDep,
    name: Annotated[str | None, Query(max_length=500)] = None,
    country: Annotated[str | None, Query(pattern="^[A-Z]{2}$")] = None,
    resource: Annotated[str | None, Query(max_length=100)] = None,
    identifier: Annotated[str | None, Query(max_length=200)] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    format: Annotated[str, Query(pattern="^(json|csv)$")] = "json",
) -> Response:
    """Filter, then page by id (cursor = last id seen); ``format=csv`` exports the page."""
    async with pool.acquire() as conn:
        found, next_cursor = await service.search_institutions(
            conn,
            name=name,
            country=country,
            resource=resource,
            identifier=identifier,
            cursor=cursor,
            limit=limit,
        )
    rows = [i.model_dump(mode="json") for i in found]
    if format == "csv":
        return csv_page(rows, list(InstitutionSummary.model_fields), next_cursor)
    return json_page(rows, next_cursor)


@router.get(
    "/institutions/by-identifier/{resource}/{identifier}",
    response_model=InstitutionOut,
    responses=problems(404),
)
async def institution_by_identifier(
    resource: str, identifier: str, pool: PoolDep
) -> InstitutionOut:
    """DEQAR's ``by-identifier/{resource}/{id}``; resource DEQAR and ETER name those ids."""
    async with pool.acquire() as conn:
        return await service.get_by_identifier(conn, resource, identifier)
