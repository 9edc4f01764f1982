"""W3C VC-API: ``POST /credentials/verify`` and ``POST /presentations/verify``.

The request and response bodies are the VC-API's, so standard clients and the
W3C test suites use them unchanged: 200 with ``verified: true`` and empty
``errors`` when nothing failed (warnings — an issuer the registry does not
know, an older format — are listed in ``warnings``); 400 otherwise, as
problem details carrying the same ``verified``, ``checks``, ``warnings`` and
``errors`` members. Status is checked by default, as the VC-API does.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Header
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from meriter_shared.errors import PROBLEM_BASE, PROBLEM_JSON
from meriter_shared.hygiene import body_limit
from meriter_shared.jsonio import FastJSONResponse
from meriter_shared.openapi import problems
from meriter_verifier.checks.messages import language
from meriter_verifier.checks.result import VerificationOutcome
from meriter_verifier.deps import PoolDep, VerifierDep
from meriter_verifier.ratelimit import RATE_LIMITED

router = APIRouter(tags=["vc-api"])
MAX_BODY = 1024 * 1024


class Options(BaseModel):
    model_config = ConfigDict(extra="allow")

    checks: list[str] | None = None
    challenge: str | None = Field(default=None, max_length=1024)
    domain: str | None = Field(default=None, max_length=1024)


class VerifyCredentialRequest(BaseModel):
    model_config = ConfigDict(extra="allow")

    verifiableCredential: dict[str, Any]  # the VC-API names it so
    options: Options | None = None


class VerifyPresentationRequest(BaseModel):
    model_config = ConfigDict(extra="allow")

    verifiablePresentation: dict[str, Any]  # the VC-API names it so
    options: Options | None = None


class VerificationResult(BaseModel):
    verified: bool
    checks: list[str]
    warnings: list[dict[str, Any]]
    errors: list[dict[str, Any]]


# Both routes answer alike: the VC-API's body, 400 problem details when a check failed.
ROUTE: dict[str, Any] = {
    "response_model": VerificationResult,
    "responses": {**problems(400, 429), **RATE_LIMITED},
    "openapi_extra": body_limit(MAX_BODY),
}


def _item(check: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": f"{PROBLEM_BASE}verification-{check['name'].replace('_', '-')}",
        "title": check["name"],
        "detail": check["message"],
        "code": check["name"],
        "message": check["message"],
    }


def answer(outcome: VerificationOutcome, accept_language: str | None) -> JSONResponse:
    rendered = outcome.render(language(accept_language))
    checks = rendered["checks"]
    errors = [_item(c) for c in checks if c["status"] == "fail"]
    body: dict[str, Any] = {
        "verified": not errors,
        "checks": [c["name"] for c in checks if c["status"] != "not_applicable"],
        "warnings": [_item(c) for c in checks if c["status"] == "warn"],
        "errors": errors,
    }
    if not errors:
        return FastJSONResponse(body)
    problem = {
        "type": f"{PROBLEM_BASE}verification-failed",
        "title": "Verification failed",
        "status": 400,
        "detail": errors[0]["detail"],
        **body,
    }
    return FastJSONResponse(problem, status_code=400, media_type=PROBLEM_JSON)


@router.post("/credentials/verify", **ROUTE)
async def verify_credential(
    request: VerifyCredentialRequest,
    pool: PoolDep,
    verifier: VerifierDep,
    accept_language: str | None = Header(default=None),
) -> JSONResponse:
    """Verify a credential (VC-API): 200 when verified, 400 with the reasons when not."""
    outcome = await verifier.verify_credential(pool, request.verifiableCredential)
    return answer(outcome, accept_language)


@router.post("/presentations/verify", **ROUTE)
async def verify_presentation(
    request: VerifyPresentationRequest,
    pool: PoolDep,
    verifier: VerifierDep,
    accept_language: str | None = Header(default=None),
) -> JSONResponse:
    """Verify a presentation, its proof (challenge, domain) and its credentials (VC-API)."""
    options = request.options or Options()
    outcome = await verifier.verify_presentation(
        pool,
        request.verifiablePresentation,
        challenge=options.challenge,
        domain=options.domain,
    )
    return answer(outcome, accept_language)
