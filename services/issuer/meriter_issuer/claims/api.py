"""``GET /claim/{token}``: the learner's page, their signed credential as JSON, or its download."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from meriter_issuer.claims import page, service
from meriter_issuer.deps import ComponentsDep, PoolDep
from meriter_shared.errors import PROBLEM_JSON, Gone, NotFound
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
    answer 404, erased credentials 410. No caching, no tracking, no external assets."""
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
            return Response(
                json.dumps(problem.body(request.url.path)),
                status_code=status,
                media_type=PROBLEM_JSON,
                headers=page.HEADERS,
            )
        return HTMLResponse(
            page.message_page(language, kind), status_code=status, headers=page.HEADERS
        )
    assert found.document is not None
    if download:
        return _json(
            found.document,
            "application/vc+ld+json",
            **{"Content-Disposition": 'attachment; filename="credential.json"'},
        )
    if media is not None:
        return _json(found.document, media)
    html = page.credential_page(service.view(found.document), language)
    return HTMLResponse(html, headers=page.HEADERS)
