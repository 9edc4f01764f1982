"""OAuth clients, the tokens they obtain, and the keys that sign them.

Invariants: only the national body creates and revokes clients, and one
admin client stays active (the last one cannot be revoked); each creation or
revocation writes exactly one outbox row (``client.created`` /
``client.revoked``, payload :class:`ClientState`, never a secret or its
hash) in its transaction. An agency or institution client names an existing
agency (by id, DEQAR id or acronym) or institution (by id or DEQAR id); the
tenant is stored, announced and put in tokens as the platform id, so the
rules' tenant checks (which compare platform ids) let the client act for
it. A token is issued only to an active (not revoked) client presenting its
secret.

One active Ed25519 signing key lives in ``signing_keys`` and is created on
first use; concurrent first uses converge on one key through the primary
key (the first key has a fixed kid). Its private part is stored sealed
under the master key (:class:`meriter_shared.secrets.MasterKeys`, purpose
``registry/token-signing-key/<kid>``), never in the clear: a key an older
version stored in the clear is sealed when the registry starts
(:func:`seal_plaintext_keys`), and the start fails, naming the master key,
when a stored key does not open with it (:func:`check_keys_open`). The
private key appears in no log, answer or error.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from meriter_registry.agencies import service as agencies
from meriter_registry.clients import repository, tokens
from meriter_registry.clients.schemas import ClientCreated, ClientIn, TokenResponse
from meriter_registry.config import MAX_TOKEN_LIFETIME_S
from meriter_registry.errors import InvalidClient, error_item
from meriter_registry.events import emit
from meriter_registry.institutions import service as institutions
from meriter_shared.auth import AuthSettings, Principal, authorize
from meriter_shared.db.types import Connection
from meriter_shared.errors import Conflict, NotFound, ValidationProblem
from meriter_shared.events.registry import CLIENT_CREATED, CLIENT_REVOKED, ClientState
from meriter_shared.secrets import MasterKeys, SecretsError

FIRST_KID = "k1"


async def create_client(
    conn: Connection, data: ClientIn, principal: Principal, client_id: str | None = None
) -> ClientCreated:
    """A new client and its secret (shown this once); ``client_id`` chosen or generated."""
    authorize(principal, detail="only the national body creates clients")
    tenant_id = await _tenant(conn, data)
    client_id = client_id or f"mc_{uuid.uuid4().hex}"
    secret = tokens.new_secret()
    async with conn.transaction():
        await repository.insert(
            conn, client_id, tokens.hash_secret(secret), data.role, tenant_id, data.name
        )
        state = ClientState(client_id=client_id, role=data.role, tenant_id=tenant_id)
        await emit(conn, CLIENT_CREATED, client_id, state)
    return ClientCreated(
        client_id=client_id, client_secret=secret, role=data.role, tenant_id=tenant_id
    )


async def _tenant(conn: Connection, data: ClientIn) -> str | None:
    """The platform id of the tenant ``data`` names, or a 422 naming ``tenant_id``."""
    if data.tenant_id is None:
        return None
    if data.role == "agency":
        found = await agencies.find_agency(conn, data.tenant_id)
    else:
        found = None
        keys = [data.tenant_id]
        if data.tenant_id.isdigit():  # DEQAR's numeric institution id: DEQARINST + 4 digits
            keys.append(f"DEQARINST{int(data.tenant_id):04d}")
        for key in keys:
            try:
                found = await institutions.resolve_institution(conn, key)
                break
            except NotFound:
                continue
    if found is None:
        message = f"unknown {data.role}"
        raise ValidationProblem(
            message,
            errors=[error_item("tenant_id", message=message, code=f"unknown_{data.role}")],
        )
    return found


async def revoke_client(
    conn: Connection, client_id: str, principal: Principal, now: datetime
) -> None:
    """Revoke an active client; never the last active admin client (409): without
    one, no client could be created or revoked again except from the database."""
    authorize(principal, detail="only the national body revokes clients")
    async with conn.transaction():
        if await repository.lock_active_admins(conn) == [client_id]:
            raise Conflict(
                f"{client_id} is the last active admin client: revoking it would leave no one "
                "able to manage clients; create another admin client first"
            )
        if not await repository.revoke(conn, client_id, now):
            raise NotFound(f"no active client {client_id}")
        await emit(conn, CLIENT_REVOKED, client_id, ClientState(client_id=client_id))


async def is_active(conn: Connection, client_id: str) -> bool:
    """Known and not revoked."""
    return await repository.active(conn, client_id) is not None


async def was_issued(conn: Connection, client_id: str) -> bool:
    """Whether some client (revoked or not) ever had this id."""
    return await repository.exists(conn, client_id)


async def issue_access_token(
    conn: Connection,
    client_id: str,
    secret: str,
    *,
    keys: MasterKeys,
    auth: AuthSettings,
    lifetime_s: int,
    now: datetime,
) -> TokenResponse:
    """Client credentials grant: a signed token for an active client with its secret,
    living ``lifetime_s`` (never over :data:`MAX_TOKEN_LIFETIME_S`), ``expires_in``
    saying so."""
    client = await repository.active(conn, client_id)
    if client is None or not tokens.secret_matches(secret, client.secret_hash):
        raise InvalidClient("unknown client or wrong secret", error="invalid_client")
    key = await signing_key(conn, keys)
    lifetime_s = min(lifetime_s, MAX_TOKEN_LIFETIME_S)
    access = tokens.issue_token(
        key,
        issuer=auth.issuer,
        audience=auth.audience,
        client_id=client_id,
        role=client.role,
        tenant_id=client.tenant_id,
        lifetime_s=lifetime_s,
        now=now.timestamp(),
    )
    return TokenResponse(access_token=access, expires_in=lifetime_s)


class SigningKeysLocked(RuntimeError):
    """A stored signing key does not open with the master key the registry was given."""


def _purpose(kid: str) -> str:
    return f"registry/token-signing-key/{kid}"


def _open(keys: MasterKeys, stored: repository.StoredKey) -> tokens.SigningKey:
    if stored.sealed is None:
        # Written in the clear by an older version and not sealed yet (the
        # registry seals such keys when it starts).
        assert stored.plaintext_pem is not None
        return tokens.load_key(stored.kid, stored.plaintext_pem.encode())
    try:
        pem = keys.open(stored.sealed, _purpose(stored.kid))
    except SecretsError as exc:
        raise SigningKeysLocked(
            f"token-signing key {stored.kid} does not open with the registry's master key "
            "(REGISTRY_MASTER_KEY or REGISTRY_MASTER_KEY_FILE): is it the key this "
            f"database's signing keys were sealed with? ({exc})"
        ) from None
    return tokens.load_key(stored.kid, pem)


async def signing_key(conn: Connection, keys: MasterKeys) -> tokens.SigningKey:
    """The active signing key, created (sealed) on first use."""
    found = await repository.current_key(conn)
    if found is None:
        # A fixed kid for the first key makes concurrent first uses collide on
        # the primary key instead of creating two keys.
        sealed = keys.seal(tokens.new_private_pem(), _purpose(FIRST_KID))
        found = await repository.add_key_once(conn, FIRST_KID, sealed)
    return _open(keys, found)


async def seal_plaintext_keys(conn: Connection, keys: MasterKeys) -> list[str]:
    """Seal every key an older version stored in the clear; the kids sealed."""
    sealed: list[str] = []
    async with conn.transaction():
        for stored in await repository.lock_plaintext_keys(conn):
            assert stored.plaintext_pem is not None
            pem = stored.plaintext_pem.encode()
            tokens.load_key(stored.kid, pem)  # a key, or nothing is changed
            await repository.replace_with_sealed(
                conn, stored.kid, keys.seal(pem, _purpose(stored.kid))
            )
            sealed.append(stored.kid)
    return sealed


async def check_keys_open(conn: Connection, keys: MasterKeys) -> None:
    """Raise :class:`SigningKeysLocked` unless every stored key opens with ``keys``."""
    for stored in await repository.all_keys(conn):
        _open(keys, stored)


async def public_jwks(conn: Connection, keys: MasterKeys) -> dict[str, Any]:
    """Every signing key's public half, as a JWKS."""
    await signing_key(conn, keys)
    return {"keys": [_open(keys, k).public_jwk() for k in await repository.all_keys(conn)]}
