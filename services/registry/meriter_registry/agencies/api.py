"""Agency routes: the list is public, writes are the admin's."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from meriter_registry.agencies import service
from meriter_registry.agencies.schemas import AgencyIn, AgencyList, AgencyOut
from meriter_registry.deps import AdminDep, PoolDep
from meriter_registry.openapi import requires
from meriter_shared.openapi import problems

router = APIRouter(prefix="/v1", tags=["agencies"])


@router.post(
    "/agencies",
    status_code=201,
    response_model=AgencyOut,
    responses=problems(409),
    openapi_extra=requires("admin"),
)
async def register_agency(body: AgencyIn, pool: PoolDep, admin: AdminDep) -> AgencyOut:
    """Register an agency; its acronym and DEQAR id are unique (409)."""
    async with pool.acquire() as conn:
        return await service.register_agency(conn, body, admin)


@router.put(
    "/agencies/{agency_id}",
    response_model=AgencyOut,
    responses=problems(404, 409),
    openapi_extra=requires("admin"),
)
async def update_agency(
    agency_id: str, body: AgencyIn, pool: PoolDep, admin: AdminDep
) -> AgencyOut:
    """Replace an agency (by id, DEQAR id or acronym) and its EQAR registrations."""
    async with pool.acquire() as conn:
        return await service.update_agency(conn, agency_id, body, admin)


@router.get("/agencies", response_model=AgencyList)
async def list_agencies(pool: PoolDep) -> JSONResponse:
    async with pool.acquire() as conn:
        found = await service.list_agencies(conn)
    return JSONResponse({"results": [a.model_dump(mode="json") for a in found]})
