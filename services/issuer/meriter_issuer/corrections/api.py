"""Correction and retry routes: an institution changes a result, or has it decided again."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from meriter_issuer.corrections import service
from meriter_issuer.corrections.schemas import ResultDetail, ResultIn
from meriter_issuer.deps import ComponentsDep, InstitutionDep, PoolDep
from meriter_shared.openapi import problems

router = APIRouter(prefix="/v1/results", tags=["results"])


@router.put(
    "/{result_id}",
    status_code=202,
    response_model=ResultDetail,
    responses={
        **problems(403, 404, 409, 422),
        200: {"description": "The same content as stored: nothing changed", "model": ResultDetail},
    },
    openapi_extra={"x-required-role": "institution"},
)
async def correct_result(
    result_id: str,
    body: ResultIn,
    institution: InstitutionDep,
    pool: PoolDep,
    components: ComponentsDep,
) -> JSONResponse:
    """Correct a result (a grade, the learner's name …): 202 when its content changed —
    the credential issued for it is then revoked as ``superseded`` and a new one, which
    ``supersedes`` it, is issued and announced to the learner; 200 when the content is
    the same as stored (nothing changes, so the PUT can be repeated safely). The result's
    earlier revisions are listed in ``GET /v1/results/{result_id}``."""
    async with pool.acquire() as conn:
        done = await service.correct(
            conn, institution, result_id, body, components.learner_ref_key, components.clock()
        )
    return JSONResponse(
        done.result.model_dump(mode="json"), status_code=202 if done.changed else 200
    )


@router.post(
    "/{result_id}/retry",
    status_code=202,
    response_model=ResultDetail,
    responses=problems(403, 404, 409),
    openapi_extra={"x-required-role": "institution"},
)
async def retry_result(result_id: str, institution: InstitutionDep, pool: PoolDep) -> ResultDetail:
    """Decide again a result rejected because its offering's or institution's data in the
    registry could not make a credential (once that data is fixed; the issuer also does
    this by itself when the registry's change reaches it). 409 for any other state, with
    what applies instead."""
    async with pool.acquire() as conn:
        return await service.retry(conn, institution, result_id)
