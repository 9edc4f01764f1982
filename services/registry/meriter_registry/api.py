"""Registry HTTP endpoints."""

from __future__ import annotations

from fastapi import APIRouter

from meriter_registry import service
from meriter_registry.schemas import InstitutionIn, InstitutionOut
from meriter_shared.errors import NotFound
from meriter_shared.http import PoolDep

router = APIRouter(prefix="/v1", tags=["institutions"])


@router.post("/institutions", status_code=201, response_model=InstitutionOut)
async def register_institution(body: InstitutionIn, pool: PoolDep) -> InstitutionOut:
    async with pool.acquire() as conn:
        return await service.register_institution(conn, body)


@router.get("/institutions/{institution_id}", response_model=InstitutionOut)
async def get_institution(institution_id: str, pool: PoolDep) -> InstitutionOut:
    async with pool.acquire() as conn:
        row = await conn.fetchrow("SELECT * FROM institutions WHERE id = $1", institution_id)
    if row is None:
        raise NotFound(f"no institution {institution_id}")
    return InstitutionOut.model_validate(dict(row))
