"""``GET /claim/{token}``: the learner's page, their signed credential as JSON, or its download."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from meriter_issuer.claims import page, service
from meriter_issuer.deps import ComponentsDep, PoolDep
from meriter_shared.errors import PROBLEM_JSON, Conflict, Gone, NotFound, Problem
from meriter_shared.openapi import problems

router = APIRouter(tags=["claims"])
_LANGUAGE: dict[str, service.Language] = {"sv": "sv", "en": "en"}
JSON_TYPES = ("application/json", "application/ld+json", "application/vc+ld+json")


def _wants_json(request: Request) -> str | None:
    """The JSON media type the client asks for before HTML, if any."""
    best: tuple[float, str] | None = None
    html_q = 0.0
    for part in request.headers.get("accept", "").split(","):
        media, *params = (p.strip() for p in part.split(";"))
        q = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    q = float(param[2:])
                except ValueError:
                    q = 0.0
        if media in JSON_TYPES and (best is None or q > best[0]):
            best = (q, media)
        if media in ("text/html", "application/xhtml+xml"):
            html_q = max(html_q, q)
    if best is not None and best[0] > 0 and best[0] >= html_q:
        return best[1]
    return None


def _problem(problem: Problem, request: Request) -> Response:
    return Response(
        json.dumps(problem.body(request.url.path)),
        status_code=problem.status,
        media_type=PROBLEM_JSON,
        headers=page.HEADERS,
    )


def _not_downloadable(standing: service.Standing) -> Problem:
    """Why a revoked (for good: 410) or suspended (for now: 409) credential is not offered."""
    if standing.status == "revoked":
        detail = (
            "the institution has replaced this credential with a corrected one"
            if standing.superseded
            else "the institution has revoked this credential"
        )
        return Gone(
            f"{detail}; it is no longer offered for download",
            credential_status="revoked",
            superseded=standing.superseded,
        )
    return Conflict(
        "the institution has suspended this credential; it is not offered for download "
        "while it is suspended",
        credential_status="suspended",
    )


def _json(document: dict[str, Any], media_type: str, **headers: str) -> Response:
    body = json.dumps(document, ensure_ascii=False, indent=2).encode()
    return Response(body, media_type=media_type, headers={**page.HEADERS, **headers})


@router.get(
    "/claim/{token}",
    responses={
        200: {
            "description": "The claim page (text/html) or the signed credential (JSON)",
            "content": {"text/html": {}, "application/vc+ld+json": {}},
        },
        **{
            status: {
                **answer,
                "description": answer["description"] + " (a page for browsers, else a problem)",
                "content": {"text/html": {}, **answer["content"]},
            }
            for status, answer in problems(404, 410).items()
        },
        409: {
            **problems(409)[409],
            "description": "The credential is suspended: no download (``?download=1``)",
        },
    },
)
async def claim(
    token: str,
    request: Request,
    pool: PoolDep,
    components: ComponentsDep,
    lang: Annotated[str | None, Query(max_length=8)] = None,
    download: Annotated[bool, Query()] = False,
) -> Response:
    """The learner's claim link: a page in their language (``?lang=sv|en`` overrides) showing
    what the credential says, with the signed JSON to download (``?download=1``); with
    ``Accept: application/json`` the signed credential itself. Unknown or expired links
    answer 404, erased credentials 410. A revoked or suspended credential's page says so
    first and offers no download; its download answers 410 (revoked) or 409 (suspended).
    The JSON stays readable, so a verifier opening the link is told the status by the
    status list. No caching, no tracking, no external assets."""
    async with pool.acquire() as conn:
        found = await service.find(conn, token, components.clock())
    language = _LANGUAGE.get(lang or "", found.language)
    media = _wants_json(request)
    if found.state != "ok":
        kind = "gone" if found.state == "erased" else "not_found"
        status = 410 if kind == "gone" else 404
        if media is not None or download:
            problem = (
                Gone(page.TEXT["en"]["gone"])
                if kind == "gone"
                else NotFound(page.TEXT["en"]["not_found"])
            )
            return _problem(problem, request)
        return HTMLResponse(
            page.message_page(language, kind), status_code=status, headers=page.HEADERS
        )
    assert found.document is not None
    if download and not found.standing.downloadable:
        return _problem(_not_downloadable(found.standing), request)
    if download:
        return _json(
            found.document,
            "application/vc+ld+json",
            **{"Content-Disposition": 'attachment; filename="credential.json"'},
        )
    if media is not None:
        return _json(found.document, media)
    html = page.credential_page(service.view(found.document), language, found.standing)
    return HTMLResponse(html, headers=page.HEADERS)
