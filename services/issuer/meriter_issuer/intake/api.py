"""Results intake routes: institutions post results and follow them."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from meriter_issuer.deps import ComponentsDep, InstitutionDep, PoolDep
from meriter_issuer.intake import service
from meriter_issuer.intake.schemas import (
    IntakeAnswer,
    RecordOutcome,
    ResultDetail,
    ResultIn,
    ResultsPage,
    State,
    Summary,
)
from meriter_shared.bulk import ndjson_records
from meriter_shared.errors import (
    PROBLEM_JSON,
    BadRequest,
    Conflict,
    PayloadTooLarge,
    UnsupportedMediaType,
    ValidationProblem,
)
from meriter_shared.hygiene import body_limit
from meriter_shared.openapi import problems

router = APIRouter(prefix="/v1/results", tags=["results"])
NDJSON = "application/x-ndjson"
MAX_BODY = 64 * 1024 * 1024

_BODY = {
    "requestBody": {
        "required": True,
        "description": "One result (a JSON object), a JSON array of results, or NDJSON "
        "(one result per line). At most 100,000 results per request (the issuer's "
        "``results_max_records``).",
        "content": {
            "application/json": {
                "schema": {
                    "oneOf": [
                        {"$ref": "#/components/schemas/ResultIn"},
                        {"type": "array", "items": {"$ref": "#/components/schemas/ResultIn"}},
                    ]
                }
            },
            NDJSON: {"schema": {"type": "string"}},
        },
    },
    "x-required-role": "institution",
}


@router.post(
    "",
    status_code=202,
    response_model=IntakeAnswer,
    responses=problems(403, 409, 415, 422),
    openapi_extra={**_BODY, **body_limit(MAX_BODY)},
)
async def post_results(
    request: Request, institution: InstitutionDep, pool: PoolDep, components: ComponentsDep
) -> Any:
    """Accept results: durable (database and outbox) before this answers 202.

    Each record's outcome is in the answer: ``accepted`` (new, or the same
    content of a result rejected for its offering's or institution's data:
    decided again), ``duplicate`` (same ``result_id``, same content: nothing
    changes), ``conflict`` (same ``result_id``, other content: its problem
    says to correct it with ``PUT /v1/results/{result_id}``) or ``rejected``
    (with a problem naming the record's index, ``result_id`` and fields). A
    single result that conflicts answers 409, one that is invalid 422; a
    deactivated institution is answered 403.
    """
    settings = components.settings
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    single = False
    if content_type == NDJSON:
        records = []
        async for record in ndjson_records(request.stream(), max_record_bytes=65_536):
            if record.index >= settings.results_max_records:
                raise PayloadTooLarge(f"at most {settings.results_max_records} results a request")
            records.append(
                service.parse(record.index, record.value)
                if record.error is None
                else service.unreadable(record.index, record.error)
            )
    elif content_type in ("application/json", ""):
        try:
            body = json.loads(await request.body())
        except ValueError as exc:
            raise BadRequest(f"the body is not JSON: {exc}") from exc
        single = isinstance(body, dict)
        items = [body] if single else body
        if not isinstance(items, list):
            raise ValidationProblem("the body must be a result object or an array of them")
        if len(items) > settings.results_max_records:
            raise PayloadTooLarge(f"at most {settings.results_max_records} results a request")
        records = [service.parse(i, value) for i, value in enumerate(items)]
    else:
        raise UnsupportedMediaType(f"send application/json or {NDJSON}")
    async with pool.acquire() as conn:
        verdicts = await service.accept(
            conn, institution, records, components.learner_ref_key, components.clock()
        )
    if single:
        (only,) = verdicts.records
        if only.rejection is not None:
            return JSONResponse(
                _problem(only.index, only.rejection),
                status_code=only.rejection.status,
                media_type=PROBLEM_JSON,
            )
    return IntakeAnswer(**verdicts.counts, records=[_record(v) for v in verdicts.records])


def _record(verdict: service.Verdict) -> RecordOutcome:
    """One record's outcome as the answer tells it, a rejection as a problem."""
    rejection = verdict.rejection
    problem = None if rejection is None else _problem(verdict.index, rejection)
    return RecordOutcome(
        index=verdict.index, result_id=verdict.result_id, outcome=verdict.outcome, problem=problem
    )


def _problem(index: int, rejection: service.Rejection) -> dict[str, Any]:
    """A refused record as RFC 9457 problem details naming its index in the request."""
    kind = Conflict if rejection.status == 409 else ValidationProblem
    problem = kind(rejection.detail, errors=rejection.errors, **rejection.extensions)
    return problem.body(None) | {"index": index}


@router.get("/summary", response_model=Summary)
async def summary(institution: InstitutionDep, pool: PoolDep) -> Summary:
    """How many of the institution's results are in each state."""
    async with pool.acquire() as conn:
        return await service.summary(conn, institution)


@router.get("", response_model=ResultsPage)
async def list_results(
    institution: InstitutionDep,
    pool: PoolDep,
    state: State | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: Annotated[str | None, Query(pattern=r"^[0-9]{1,18}$")] = None,
) -> ResultsPage:
    """The institution's results, oldest first, ``next_cursor`` to page on."""
    async with pool.acquire() as conn:
        return await service.results(conn, institution, state, cursor, limit)


@router.get("/{result_id}", response_model=ResultDetail, responses=problems(404))
async def get_result(result_id: str, institution: InstitutionDep, pool: PoolDep) -> ResultDetail:
    """One result: accepted, held (why, and what it waits for), issued (with its
    credential) or rejected (why, and what to do), with its earlier revisions."""
    async with pool.acquire() as conn:
        return await service.result(conn, institution, result_id)


__all__ = ["ResultIn", "router"]
