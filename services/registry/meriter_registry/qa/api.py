"""The qa-status route (public): is an institution quality assured on a day?

Cached answers about the present are served before routing
(:class:`.cache.ServeCachedQaStatus`); this route answers the rest
(:func:`.service.answer`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from meriter_registry.deps import NowDep, PoolDep, QaCacheDep, QaIndexDep
from meriter_registry.fields import IsoDate, IsoInstant
from meriter_registry.qa import service
from meriter_registry.qa.schemas import QaStatus
from meriter_shared.openapi import problems

router = APIRouter(prefix="/v1", tags=["reports"])


@router.get(
    "/institutions/{institution_id}/qa-status", response_model=QaStatus, responses=problems(404)
)
async def qa_status(
    institution_id: str,
    pool: PoolDep,
    cache: QaCacheDep,
    index: QaIndexDep,
    now: NowDep,
    on: Annotated[IsoDate | None, Query(description="the day asked about, YYYY-MM-DD")] = None,
    as_of: Annotated[
        IsoInstant | None, Query(description="an instant with its offset (within ±14:00)")
    ] = None,
) -> Response:
    """Quality assured on ``on`` (default today) as the registry knew it at ``as_of`` (now)."""
    answer = await service.answer(pool, cache, index, institution_id, on, as_of, now)
    # The hot path: the model is already valid, so skip FastAPI's second validation.
    return Response(answer.model_dump_json(), media_type="application/json")
