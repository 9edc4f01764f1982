"""Bearer-token validation for every service (the resource-server side of OAuth2).

Invariants:

* Tokens are JWTs signed with EdDSA (Ed25519) or ES256 only; ``alg`` values
  outside that list, including ``none`` and HMAC, are refused before any key
  is looked at.
* Issuer, audience and expiry are always checked; a token without ``exp``,
  ``iss``, ``aud`` or ``sub`` is refused. An expired token's 401 says that it
  expired and where to get a new one (``token_endpoint``, also in the problem
  body and in ``WWW-Authenticate`` as RFC 6750's ``invalid_token``): tokens
  are short-lived on purpose, so a caller meets this in ordinary use.
* Keys come from a static JWKS or from a JWKS URL fetched on first use,
  cached for ``jwks_cache_s`` and refetched at most once per
  ``jwks_min_refresh_s`` when a token names an unknown ``kid`` (key rotation),
  so a flood of forged kids cannot turn into a flood of fetches.
* Claims carried: ``sub`` / ``client_id`` (the OAuth2 client), ``role``
  (``admin`` | ``agency`` | ``institution``) and ``tenant`` (the agency or
  institution the client belongs to; absent for admin).
* ``Role.SYSTEM`` is never taken from a token (one claiming it is refused):
  it stands for trusted code running in the process — a bootstrap command,
  a test of a rule — and only code can make one (``Principal.system``).
  There is no "no principal": every rule is asked about someone.
* Authorization is one function, ``authorize``: the admin and the system
  pass; anyone else needs one of the roles asked for and, when the resource
  belongs to a tenant, to be that tenant. Route guards (``require_roles``,
  ``AdminDep``) are built from it, so a route and the rule behind it cannot
  disagree about who the admin is.

Because only the issuer URL, audience and JWKS location are configured, an
external identity provider replaces the registry's token endpoint by
configuration alone, provided it emits the same three claims.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any

import httpx
import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field

from meriter_shared.errors import Forbidden, Unauthorized

ALGORITHMS = ["EdDSA", "ES256"]


class Role(StrEnum):
    ADMIN = "admin"
    AGENCY = "agency"
    INSTITUTION = "institution"
    # Trusted code in the process; never accepted from a token.
    SYSTEM = "system"


# The roles a bearer token may carry.
TOKEN_ROLES = frozenset({Role.ADMIN, Role.AGENCY, Role.INSTITUTION})
# The roles that pass every authorization check.
_SUPERVISORS = frozenset({Role.ADMIN, Role.SYSTEM})


class AuthSettings(BaseModel):
    issuer: str = "http://127.0.0.1:8001"
    audience: str = "meriter"
    # One of the two: a URL serving a JWKS, or the JWKS itself (JSON text).
    jwks_url: str | None = None
    jwks_json: str | None = None
    jwks_cache_s: float = Field(default=300.0, gt=0)
    jwks_min_refresh_s: float = Field(default=10.0, ge=0)
    leeway_s: int = Field(default=30, ge=0)
    # Where a client gets a new token; default: the registry's endpoint under ``issuer``.
    token_url: str | None = None

    @property
    def token_endpoint(self) -> str:
        return self.token_url or self.issuer.rstrip("/") + "/v1/oauth/token"


@dataclass(frozen=True, slots=True)
class Principal:
    client_id: str
    role: Role
    tenant_id: str | None

    @classmethod
    def system(cls, purpose: str) -> Principal:
        """Trusted code acting by itself (``purpose`` names it, e.g. ``bootstrap-admin``)."""
        return cls(client_id=f"system:{purpose}", role=Role.SYSTEM, tenant_id=None)

    def is_tenant(self, role: Role, tenant_id: str) -> bool:
        return self.role is role and self.tenant_id == tenant_id


def authorize(
    principal: Principal,
    *roles: Role,
    tenant_id: str | None = None,
    detail: str | None = None,
) -> Principal:
    """Let ``principal`` act, or raise ``Forbidden`` (403).

    The admin and the system always pass. Anyone else must hold one of
    ``roles`` (none given: admin only) and, when ``tenant_id`` names the
    tenant the resource belongs to, be that tenant. ``detail`` is the
    refusal's explanation.
    """
    if principal.role in _SUPERVISORS:
        return principal
    if principal.role not in roles:
        raise Forbidden(detail or f"role {principal.role.value} may not do this")
    if tenant_id is not None and principal.tenant_id != tenant_id:
        raise Forbidden(detail or "this belongs to another tenant")
    return principal


JwksFetcher = Callable[[str], Awaitable[dict[str, Any]]]


async def fetch_jwks(url: str) -> dict[str, Any]:
    async with httpx.AsyncClient(timeout=5.0) as client:
        response = await client.get(url)
        response.raise_for_status()
        body: dict[str, Any] = response.json()
        return body


class TokenValidator:
    """Checks a bearer token and turns its claims into a :class:`Principal`."""

    def __init__(
        self,
        settings: AuthSettings,
        *,
        fetcher: JwksFetcher = fetch_jwks,
        clock: Callable[[], float] = time.monotonic,
        revoked: Callable[[str], Awaitable[bool]] | None = None,
    ) -> None:
        """``revoked(client_id)``, where the token issuer's client list is at hand
        (the registry), refuses tokens of a client revoked since they were issued;
        elsewhere a revoked client's tokens lapse with their short lifetime."""
        if settings.jwks_url is None and settings.jwks_json is None:
            raise ValueError("AuthSettings needs jwks_url or jwks_json")
        self._settings = settings
        self._revoked = revoked
        self._fetcher = fetcher
        self._clock = clock
        self._keys: dict[str, Any] = {}
        self._fetched_at: float | None = None
        self._lock = asyncio.Lock()
        if settings.jwks_json is not None:
            self._load(json.loads(settings.jwks_json))

    def _load(self, jwks: dict[str, Any]) -> None:
        keys: dict[str, Any] = {}
        for jwk in jwks.get("keys", []):
            try:
                key = jwt.PyJWK.from_dict(jwk)
            except jwt.PyJWTError:
                continue  # a key we cannot use (other kty/alg) must not hide the rest
            if key.key_id:
                keys[key.key_id] = key
        self._keys = keys

    async def _key(self, kid: str) -> Any:
        url = self._settings.jwks_url
        if url is None:
            return self._keys.get(kid)
        async with self._lock:
            now = self._clock()
            age = None if self._fetched_at is None else now - self._fetched_at
            stale = age is None or age >= self._settings.jwks_cache_s
            unknown = kid not in self._keys and (
                age is None or age >= self._settings.jwks_min_refresh_s
            )
            if stale or unknown:
                try:
                    self._load(await self._fetcher(url))
                    self._fetched_at = now
                except (httpx.HTTPError, ValueError) as exc:
                    if not self._keys:
                        raise Unauthorized("token keys unavailable") from exc
            return self._keys.get(kid)

    def _expired(self) -> Unauthorized:
        endpoint = self._settings.token_endpoint
        return Unauthorized(
            "the access token has expired; get a new one from the token endpoint "
            f"(POST {endpoint} with grant_type=client_credentials and the client's "
            "id and secret) and send the request again",
            headers={
                "WWW-Authenticate": (
                    'Bearer error="invalid_token", error_description="the access token expired"'
                )
            },
            token_endpoint=endpoint,
        )

    async def validate(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise Unauthorized("malformed token") from exc
        if header.get("alg") not in ALGORITHMS:
            raise Unauthorized("token algorithm not accepted")
        kid = header.get("kid")
        key = await self._key(kid) if isinstance(kid, str) else None
        if key is None:
            raise Unauthorized("token signed by an unknown key")
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=ALGORITHMS,
                audience=self._settings.audience,
                issuer=self._settings.issuer,
                leeway=self._settings.leeway_s,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise self._expired() from exc
        except jwt.PyJWTError as exc:
            raise Unauthorized(f"invalid token: {exc}") from exc
        try:
            role = Role(str(claims.get("role")))
        except ValueError as exc:
            raise Unauthorized("token has no valid role") from exc
        if role not in TOKEN_ROLES:
            raise Unauthorized("token has no valid role")
        tenant = claims.get("tenant")
        if role is not Role.ADMIN and not isinstance(tenant, str):
            raise Unauthorized("token has no tenant")
        principal = Principal(
            client_id=str(claims.get("client_id", claims["sub"])),
            role=role,
            tenant_id=tenant if isinstance(tenant, str) else None,
        )
        if self._revoked is not None and await self._revoked(principal.client_id):
            raise Unauthorized("the client of this token has been revoked")
        return principal


def install_validator(app: Any, validator: TokenValidator) -> None:
    """Make ``validator`` the one the dependencies below use in ``app``."""
    app.state.token_validator = validator


# Declared with FastAPI's scheme so the OpenAPI document names the bearer
# security of every guarded route; a missing or non-bearer header is our 401.
_bearer = HTTPBearer(
    auto_error=False,
    bearerFormat="JWT",
    description="An access token from the registry's token endpoint (client credentials).",
)


async def get_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    validator: TokenValidator | None = getattr(request.app.state, "token_validator", None)
    if validator is None:
        raise RuntimeError("install_validator was not called for this app")
    if credentials is None or not credentials.credentials.strip():
        raise Unauthorized("a bearer token is required")
    return await validator.validate(credentials.credentials.strip())


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def require_roles(*roles: Role) -> Callable[[Principal], Awaitable[Principal]]:
    """A route guard: a valid token (401 otherwise) whose holder ``authorize``
    lets act as one of ``roles`` (403 otherwise); the admin always passes.
    Tenant checks need the resource, so the rule behind the route makes them."""

    async def check(principal: PrincipalDep) -> Principal:
        return authorize(principal, *roles)

    return check


AdminDep = Annotated[Principal, Depends(require_roles(Role.ADMIN))]
