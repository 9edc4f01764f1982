"""OAuth routes (token endpoint, JWKS) and client management (the admin's)."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from meriter_registry.clients import service
from meriter_registry.clients.schemas import ClientCreated, ClientIn, TokenResponse
from meriter_registry.deps import (
    AdminDep,
    MasterKeysDep,
    NowDep,
    PoolDep,
    SettingsDep,
    TokenLimitsDep,
)
from meriter_registry.errors import InvalidClient
from meriter_registry.openapi import form_body, requires
from meriter_shared.errors import BadRequest
from meriter_shared.hygiene import text_problem
from meriter_shared.openapi import problems

oauth_router = APIRouter(tags=["oauth"])
MAX_CLIENT_ID = 200  # longer is no client id the registry gives
router = APIRouter(prefix="/v1", tags=["clients"])


TOKEN_FORM = form_body(
    {
        "type": "object",
        "required": ["grant_type"],
        "properties": {
            "grant_type": {"type": "string", "enum": ["client_credentials"]},
            "client_id": {"type": "string"},
            "client_secret": {"type": "string", "format": "password"},
        },
    },
    "client_id and client_secret here, or in HTTP Basic authentication.",
)


TOKEN_PROBLEMS = problems(400, 401, 429)
TOKEN_PROBLEMS[429]["headers"] = {
    "Retry-After": {
        "description": "seconds until a token request from this address or client is taken",
        "schema": {"type": "integer"},
    }
}


@oauth_router.post(
    "/v1/oauth/token",
    response_model=TokenResponse,
    responses=TOKEN_PROBLEMS,
    openapi_extra=TOKEN_FORM,
)
async def token(
    request: Request,
    pool: PoolDep,
    settings: SettingsDep,
    keys: MasterKeysDep,
    limits: TokenLimitsDep,
    now: NowDep,
) -> TokenResponse:
    """Client credentials grant (RFC 6749 §4.4); credentials in Basic auth or the form.

    Every token lives 300 seconds (5 minutes) unless the registry is set
    otherwise (``REGISTRY_TOKEN_LIFETIME_S``, at most an hour); ``expires_in``
    in the answer says how long, in seconds. Other form parameters are
    ignored, as RFC 6749 asks, so none extends it. A request with an expired
    token is answered 401 saying so: get a new token here. Rate-limited per
    remote address and per client id (429 with ``Retry-After``).
    """
    limits.address(request.client.host if request.client else "unknown")
    try:
        text = (await request.body()).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest("the form is not UTF-8 text", error="invalid_request") from exc
    form = {k: v[0] for k, v in parse_qs(text).items()}
    if form.get("grant_type") != "client_credentials":
        raise BadRequest("grant_type must be client_credentials", error="unsupported_grant_type")
    client_id, secret = form.get("client_id"), form.get("client_secret")
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            client_id, _, secret = base64.b64decode(value, validate=True).decode().partition(":")
        except ValueError as exc:
            raise InvalidClient("malformed Basic credentials", error="invalid_client") from exc
    if not client_id or not secret:
        raise InvalidClient("client credentials missing", error="invalid_client")
    if len(client_id) > MAX_CLIENT_ID or text_problem(client_id.encode(), "client_id"):
        raise InvalidClient("unknown client or wrong secret", error="invalid_client")
    limits.client(client_id)
    async with pool.acquire() as conn:
        return await service.issue_access_token(
            conn,
            client_id,
            secret,
            keys=keys,
            auth=settings.auth,
            lifetime_s=settings.token_lifetime_s,
            now=now,
        )


@oauth_router.get("/.well-known/jwks.json")
async def jwks(pool: PoolDep, keys: MasterKeysDep) -> JSONResponse:
    async with pool.acquire() as conn:
        body = await service.public_jwks(conn, keys)
    return JSONResponse(body, headers={"Cache-Control": "public, max-age=300"})


@router.post(
    "/clients",
    status_code=201,
    response_model=ClientCreated,
    responses=problems(422),
    openapi_extra=requires("admin"),
)
async def create_client(body: ClientIn, pool: PoolDep, admin: AdminDep) -> ClientCreated:
    """A client and its secret (shown this once); a tenant named by DEQAR id or acronym
    is stored as its platform id (422 if there is none)."""
    async with pool.acquire() as conn:
        return await service.create_client(conn, body, admin)


@router.delete(
    "/clients/{client_id}",
    status_code=204,
    responses=problems(404, 409),
    openapi_extra=requires("admin"),
)
async def revoke_client(client_id: str, pool: PoolDep, admin: AdminDep, now: NowDep) -> Response:
    """Revoke a client: its tokens are refused at once; never the last active admin (409)."""
    async with pool.acquire() as conn:
        await service.revoke_client(conn, client_id, admin, now)
    return Response(status_code=204)
