"""Report routes: DEQAR's Submission API v2 (JSON and CSV, withdrawal), flags
and search (qa-status has its own package, :mod:`meriter_registry.qa`).

Reads are public. Submitting and withdrawing need an agency or admin token
(``AgencyDep``), flags the admin's; whether the agency owns the report is
the rule's to say (:mod:`.service`).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError

from meriter_registry.deps import AdminDep, AgencyDep, NowDep, PoolDep, StateDep
from meriter_registry.fields import IsoDate
from meriter_registry.openapi import json_body, requires, text_body
from meriter_registry.reports import service
from meriter_registry.reports.schemas import (
    FlagIn,
    FlagOut,
    ReportOut,
    ReportPage,
    ReportQuery,
    ReportSubmission,
    SubmissionResult,
    SubmittedReport,
)
from meriter_registry.responses import CSV_PAGE, csv_page, json_page
from meriter_shared.errors import (
    BadRequest,
    RequestTimeout,
    ServiceUnavailable,
    ValidationProblem,
    field_errors,
)
from meriter_shared.hygiene import body_limit
from meriter_shared.openapi import problems

router = APIRouter(prefix="/v1", tags=["reports"])
submission_router = APIRouter(prefix="/submissionapi/v2", tags=["deqar-submission"])
# Models the hand-read bodies refer to (see openapi.py); the app documents them.
BODY_MODELS = (ReportSubmission,)


def _submission(body: Any) -> ReportSubmission:
    """A DEQAR report object, or the problem listing every field at fault."""
    try:
        return ReportSubmission.model_validate(body)
    except ValidationError as exc:
        raise ValidationProblem("the report is not valid", errors=field_errors(exc)) from exc


@router.get("/reports", response_model=ReportPage, responses={**CSV_PAGE, **problems(404)})
async def search_reports(
    pool: PoolDep,
    agency: Annotated[str | None, Query(max_length=200)] = None,
    institution: Annotated[str | None, Query(max_length=200)] = None,
    country: Annotated[str | None, Query(pattern="^[A-Z]{2}$")] = None,
    activity_type: Annotated[str | None, Query(max_length=100)] = None,
    status: Annotated[str | None, Query(max_length=100)] = None,
    decision: Annotated[str | None, Query(max_length=100)] = None,
    valid_on: IsoDate | None = None,
    local_identifier: Annotated[str | None, Query(max_length=255)] = None,
    include_withdrawn: bool = False,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    format: Annotated[str, Query(pattern="^(json|csv)$")] = "json",
) -> Response:
    """DEQAR's report filters over current versions (withdrawn ones too with
    ``include_withdrawn=true``); ``format=csv`` exports the page."""
    async with pool.acquire() as conn:
        query = ReportQuery(
            agency=agency,
            institution=institution,
            country=country,
            activity_type=activity_type,
            status=status,
            decision=decision,
            valid_on=valid_on,
            local_identifier=local_identifier,
            include_withdrawn=include_withdrawn,
        )
        reports, next_cursor = await service.search_reports(conn, query, cursor=cursor, limit=limit)
    if format == "csv":
        return csv_page(service.export_rows(reports), service.EXPORT_COLUMNS, next_cursor)
    return json_page([r.model_dump(mode="json") for r in reports], next_cursor)


@submission_router.post(
    "/submit/report",
    response_model=SubmissionResult,
    responses=problems(400, 422),
    openapi_extra=requires(
        "agency", json_body(ReportSubmission, "One DEQAR Submission API v2 report object.")
    ),
)
async def submit_report(
    request: Request, pool: PoolDep, agency: AgencyDep, now: NowDep
) -> SubmissionResult:
    """DEQAR Submission API v2, JSON: one report object. A report the agency has
    already (same local_identifier or report_id) is updated, so a re-run import
    changes nothing (DEQAR v2 refuses that POST and wants a PUT)."""
    submission = _submission(await _json(request))
    async with pool.acquire() as conn:
        return await service.submit_report(conn, submission, agency, now)


@submission_router.put(
    "/submit/report",
    response_model=SubmissionResult,
    responses=problems(400, 422),
    openapi_extra=requires(
        "agency", json_body(ReportSubmission, "One DEQAR Submission API v2 report object.")
    ),
)
async def update_report(
    request: Request, pool: PoolDep, agency: AgencyDep, now: NowDep
) -> SubmissionResult:
    """DEQAR Submission API v2 update: the report named by report_id or
    local_identifier must exist (422 naming the key otherwise)."""
    submission = _submission(await _json(request))
    async with pool.acquire() as conn:
        return await service.submit_report(conn, submission, agency, now, update_only=True)


async def _json(request: Request) -> Any:
    try:
        return await request.json()
    except ValueError as exc:
        raise BadRequest("the body is not JSON") from exc


@submission_router.get(
    "/check/local-identifier",
    response_model=SubmittedReport,
    responses=problems(404),
    openapi_extra=requires("agency"),
)
async def check_local_identifier(
    pool: PoolDep,
    _agency: AgencyDep,
    agency: Annotated[str, Query(max_length=200, description="acronym or DEQAR id")],
    local_identifier: Annotated[str, Query(max_length=255)],
) -> SubmittedReport:
    """DEQAR v2's check: the agency's report with this local identifier, in
    DEQAR's report shape; 404 if it has none."""
    async with pool.acquire() as conn:
        return await service.check_local_identifier(conn, agency, local_identifier)


# A CSV submission streams: its body may be this large, and memory holds one
# record of it at a time (plus the answer), whatever its size.
CSV_BODY_LIMIT = 64 * 1024 * 1024
CSV_MAX_RECORD_BYTES = 65_536
CSV_DETAILED_ERRORS = 100
CSV_DESCRIPTION = (
    "One report per row, DEQAR's columns; list items as name[n].field (1-based, "
    "singular names). All or nothing: if any row is rejected, no report of the "
    f"file is saved; the 422 lists the first {CSV_DETAILED_ERRORS} errors, each "
    "under its row's 0-based index (/<index>/<field>), and counts all of them. "
    f"At most {CSV_BODY_LIMIT // 2**20} MiB, {CSV_MAX_RECORD_BYTES} bytes a row."
)


@submission_router.post(
    "/submit/csv",
    description=CSV_DESCRIPTION,
    responses=problems(400, 408, 413, 422, 503),
    openapi_extra=requires(
        "agency", text_body("text/csv", CSV_DESCRIPTION), body_limit(CSV_BODY_LIMIT)
    ),
)
async def submit_csv(
    request: Request, pool: PoolDep, agency: AgencyDep, now: NowDep, state: StateDep
) -> JSONResponse:
    """DEQAR-style CSV, all or nothing: every row's report is saved, or none is.

    The body is parsed as it streams in (``meriter_shared.bulk.csv_rows``). On
    success: 200 and, per row, ``{"index", "submitted_report_id", "version",
    "created", ...}``. Any row rejected: 422, nothing saved, ``errors`` holding
    the first 100 items and ``errors_total`` / ``errors_omitted`` /
    ``records`` / ``rejected_records`` counting them. A header naming no
    usable columns: 400. A submission holds a connection and a transaction
    while it streams, so a process takes ``csv_concurrent_submissions`` at
    once (more: 503 with ``Retry-After``) and ends one whose body stalls for
    ``csv_idle_timeout_s`` (408).
    """
    settings = state.settings
    if state.csv_slots.locked():
        raise ServiceUnavailable(
            "as many CSV submissions as this process takes are under way; retry shortly",
            headers={"Retry-After": "5"},
        )
    async with state.csv_slots, pool.acquire() as conn:
        results = await service.submit_csv(
            conn,
            _arriving(request.stream(), settings.csv_idle_timeout_s),
            agency,
            now,
            max_records=settings.csv_max_records,
            max_record_bytes=CSV_MAX_RECORD_BYTES,
            detailed_errors=CSV_DETAILED_ERRORS,
        )
    return JSONResponse(results)


async def _arriving(chunks: AsyncIterator[bytes], idle_s: float) -> AsyncIterator[bytes]:
    """``chunks``, ended with a 408 when none arrives for ``idle_s`` seconds."""
    stream = aiter(chunks)
    while True:
        try:
            async with asyncio.timeout(idle_s):
                chunk = await anext(stream)
        except StopAsyncIteration:
            return
        except TimeoutError:
            raise RequestTimeout(f"no part of the body arrived for {idle_s:g} s") from None
        yield chunk


@router.post(
    "/reports/{report_id}/flags",
    status_code=201,
    response_model=FlagOut,
    responses=problems(404),
    openapi_extra=requires("admin"),
)
async def raise_flag(
    report_id: str, body: FlagIn, pool: PoolDep, admin: AdminDep, now: NowDep
) -> FlagOut:
    """Admin: flag a report; a ``high`` flag stops it counting for QA while it is up."""
    async with pool.acquire() as conn:
        return await service.raise_flag(conn, report_id, body, admin, now)


@router.delete(
    "/reports/{report_id}/flags/{flag_id}",
    response_model=FlagOut,
    responses=problems(404),
    openapi_extra=requires("admin"),
)
async def lift_flag(
    report_id: str, flag_id: str, pool: PoolDep, admin: AdminDep, now: NowDep
) -> FlagOut:
    """Admin: lift a flag (it stays in the history)."""
    async with pool.acquire() as conn:
        return await service.lift_flag(conn, report_id, flag_id, admin, now)


@submission_router.delete(
    "/delete/report/{report_id}/",
    response_model=ReportOut,
    responses=problems(404, 409, 422),
    openapi_extra=requires("agency"),
    include_in_schema=False,
)
@submission_router.delete(
    "/delete/report/{report_id}",
    response_model=ReportOut,
    responses=problems(404, 409, 422),
    openapi_extra=requires("agency"),
)
async def withdraw_report(
    report_id: Annotated[str, Path(max_length=255)],
    pool: PoolDep,
    agency: AgencyDep,
    now: NowDep,
    withdrawn_on: Annotated[
        IsoDate | None,
        Query(description="the first day the report no longer counts for (default: today)"),
    ] = None,
    agency_key: Annotated[
        str | None,
        Query(
            alias="agency",
            max_length=200,
            description="the admin naming a report by local identifier: whose",
        ),
    ] = None,
) -> ReportOut:
    """Withdraw a report (its agency or the admin), named by the registry's id,
    DEQAR's report id or the agency's local identifier. It no longer counts for
    dates from ``withdrawn_on`` on (default today) and still counts before; the
    withdrawal is recorded now, so answers as of earlier instants are unchanged.
    409 if it is withdrawn already, or if a local identifier names several
    agencies' reports (give ``agency``)."""
    async with pool.acquire() as conn:
        return await service.withdraw_report(
            conn, report_id, agency, now, withdrawn_on=withdrawn_on, agency=agency_key
        )
