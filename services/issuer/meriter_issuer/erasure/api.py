"""``POST /v1/erasures``: an institution erases one of its learners."""

from __future__ import annotations

from fastapi import APIRouter

from meriter_issuer.deps import ComponentsDep, InstitutionDep, PoolDep
from meriter_issuer.erasure import service
from meriter_issuer.erasure.schemas import ErasureIn, ErasureOut
from meriter_shared.openapi import problems

router = APIRouter(prefix="/v1/erasures", tags=["erasure"])


@router.post(
    "",
    status_code=201,
    response_model=ErasureOut,
    responses=problems(),
    openapi_extra={"x-required-role": "institution (its own learners; the admin is refused)"},
)
async def erase_learner(
    body: ErasureIn, institution: InstitutionDep, pool: PoolDep, components: ComponentsDep
) -> ErasureOut:
    """Erase what the issuer holds about one of the institution's learners: their data in
    results, the stored copies of their credentials and their claim links. Their
    credentials stay verifiable and their status changeable; open results are rejected
    as ``erased``. Answers what was erased."""
    async with pool.acquire() as conn:
        return await service.erase(conn, components.learner_ref_key, institution, body.identifier)
