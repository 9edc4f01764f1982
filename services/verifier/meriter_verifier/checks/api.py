"""``POST /v1/verify``: a credential or presentation in, an explained verdict out."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from meriter_shared.errors import BadRequest
from meriter_shared.hygiene import body_limit
from meriter_shared.jsonio import FastJSONResponse, loads
from meriter_shared.openapi import problems
from meriter_verifier.checks.messages import language
from meriter_verifier.checks.schemas import VerifyRequest, VerifyResponse
from meriter_verifier.components import Components
from meriter_verifier.ratelimit import RATE_LIMITED

router = APIRouter(tags=["verify"])
MAX_BODY = 1024 * 1024


@router.post(
    "/v1/verify",
    response_model=VerifyResponse,
    responses={**problems(429), **RATE_LIMITED},
    openapi_extra={
        **body_limit(MAX_BODY),
        # The body is read by the route itself (see below); its schema is documented here.
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/VerifyRequest"}}
            },
        },
        "parameters": [
            {
                "name": "Accept-Language",
                "in": "header",
                "required": False,
                "schema": {"type": "string"},
                "description": "The messages' language: Swedish when it prefers sv, else English",
            }
        ],
    },
)
async def verify(http: Request) -> JSONResponse:
    """Check a credential (or a presentation and its credentials) and explain every check.

    Always 200 when the input is a JSON object of the right shape: the verdict
    says whether the credential verified; messages follow ``Accept-Language``
    (English or Swedish).
    """
    # The hottest route: its body is parsed by orjson (a fifth of the standard
    # library's time) and validated here, and its parts are read from the app's
    # state, not through dependencies, whose resolution costs more than the reads.
    body = await http.body()
    try:
        parsed = loads(body)
    except ValueError as exc:
        raise BadRequest(f"the body is not JSON: {exc}") from None
    request = VerifyRequest.model_validate(parsed)  # a ValidationError is a 422 problem
    components: Components = http.app.state.components
    verifier = components.verifier
    pool = http.app.state.runtime.pool
    accept_language = http.headers.get("accept-language")
    holder = request.holder.identifier if request.holder else None
    if request.credential is not None:
        outcome = await verifier.verify_credential(
            pool,
            request.credential,
            at=request.at,
            holder_identifier=holder,
            body=body,
        )
    else:
        outcome = await verifier.verify_presentation(
            pool,
            request.presentation,
            at=request.at,
            holder_identifier=holder,
            challenge=request.challenge,
            domain=request.domain,
        )
    lang = language(accept_language)
    rendered: dict[str, Any] = outcome.render(lang)
    return FastJSONResponse(
        rendered, headers={"Content-Language": lang, "Cache-Control": "no-store"}
    )
