"""Agency routes: the list is public, writes are the admin's."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from meriter_registry.agencies import service
from meriter_registry.agencies.schemas import AgencyIn, AgencyList, AgencyOut
from meriter_registry.deps import AdminDep, PoolDep

router = APIRouter(prefix="/v1", tags=["agencies"])


@router.post("/agencies", status_code=201, response_model=AgencyOut)
async def register_agency(body: AgencyIn, pool: PoolDep, admin: AdminDep) -> AgencyOut:
    async with pool.acquire() as conn:
        return await service.register_agency(conn, body, admin)


@router.put("/agencies/{agency_id}", response_model=AgencyOut)
async def update_agency(
    agency_id: str, body: AgencyIn, pool: PoolDep, admin: AdminDep
) -> AgencyOut:
    async with pool.acquire() as conn:
        return await service.update_agency(conn, agency_id, body, admin)


@router.get("/agencies", response_model=AgencyList)
async def list_agencies(pool: PoolDep) -> JSONResponse:
    async with pool.acquire() as conn:
        found = await service.list_agencies(conn)
    return JSONResponse({"results": [a.model_dump(mode="json") for a in found]})
