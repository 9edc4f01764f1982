"""The token-signing private key is sealed under the master key, at rest and on start."""

from __future__ import annotations

import base64
import json
import logging

import pytest
from cryptography.hazmat.primitives import serialization
from pydantic import SecretStr
from registry.registry_support import Registry, registry_settings, running_registry

from meriter_registry.app import create_app
from meriter_registry.clients import tokens
from meriter_registry.clients.service import SigningKeysLocked
from meriter_registry.config import Settings
from meriter_shared.auth import TokenValidator
from meriter_shared.db.migrations import migrate
from meriter_shared.db.pool import create_pool
from meriter_shared.secrets import MasterKeys, new_master_key_text
from meriter_shared.settings import PostgresSettings


def raw_private(pem: bytes) -> bytes:
    key = serialization.load_pem_private_key(pem, password=None)
    return key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )


def leaks(text: str, pem: bytes) -> bool:
    """Whether ``text`` shows the key: its PEM, its body, or its 32 raw bytes in any usual form."""
    raw = raw_private(pem)
    body = b"".join(pem.splitlines()[1:-1]).decode()
    forms = [
        "PRIVATE KEY",
        body,
        raw.hex(),
        base64.b64encode(raw).decode().rstrip("="),
        base64.urlsafe_b64encode(raw).decode().rstrip("="),
    ]
    return any(form in text for form in forms)


async def stored(registry: Registry) -> list[dict[str, str | None]]:
    async with registry.pool.acquire() as conn:
        rows = await conn.fetch("SELECT kid, private_pem, private_sealed FROM signing_keys")
    return [dict(r) for r in rows]


async def test_the_stored_signing_key_is_sealed_and_its_tokens_validate(
    registry: Registry,
) -> None:
    (row,) = await stored(registry)
    assert row["private_pem"] is None
    sealed = str(row["private_sealed"])
    keys: MasterKeys = registry.app.state.registry.master_keys
    pem = keys.open(sealed, "registry/token-signing-key/k1")
    assert not leaks(sealed, pem)
    with pytest.raises(ValueError, match="does not open"):
        keys.open(sealed, "registry/token-signing-key/other")
    jwks = (await registry.http.get("/.well-known/jwks.json")).json()
    assert not leaks(json.dumps(jwks), pem)
    settings = registry.app.state.registry.settings
    validator = TokenValidator(settings.auth.model_copy(update={"jwks_json": json.dumps(jwks)}))
    token = registry.admin["Authorization"].removeprefix("Bearer ")
    assert (await validator.validate(token)).role == "admin"
    r = await registry.http.post(
        "/v1/agencies", json={"acronym": "AAA", "name": "A"}, headers=registry.admin
    )
    assert r.status_code == 201, r.text
    assert not leaks(repr(tokens.load_key("k1", pem)), pem)


async def test_a_key_an_older_version_stored_in_the_clear_is_sealed_on_start(
    fresh_db: str, kafka_bootstrap: str, caplog: pytest.LogCaptureFixture
) -> None:
    pem = tokens.new_private_pem()
    pool = await create_pool(PostgresSettings(dsn=fresh_db))
    try:
        await migrate(pool, "meriter_registry")
        async with pool.acquire() as conn:
            await conn.execute(
                "INSERT INTO signing_keys (kid, private_pem) VALUES ('k1', $1)", pem.decode()
            )
    finally:
        await pool.close()
    caplog.set_level(logging.DEBUG)
    settings = registry_settings(fresh_db, kafka_bootstrap)
    async with running_registry(settings) as registry:
        (row,) = await stored(registry)
        assert row["private_pem"] is None
        keys: MasterKeys = registry.app.state.registry.master_keys
        assert keys.open(str(row["private_sealed"]), "registry/token-signing-key/k1") == pem
        jwks = (await registry.http.get("/.well-known/jwks.json")).json()
        assert jwks["keys"] == [tokens.load_key("k1", pem).public_jwk()]
        r = await registry.http.post(
            "/v1/agencies", json={"acronym": "AAA", "name": "A"}, headers=registry.admin
        )
        assert r.status_code == 201, r.text  # its token, signed with the old key, validates
    assert not leaks(caplog.text, pem)


async def test_a_wrong_master_key_stops_the_start_saying_so(
    fresh_db: str, kafka_bootstrap: str
) -> None:
    settings = registry_settings(fresh_db, kafka_bootstrap)
    async with running_registry(settings):
        pass  # the first token sealed a key under this master key
    other = settings.model_copy(update={"master_key": SecretStr(new_master_key_text())})
    app = create_app(other)
    with pytest.raises(SigningKeysLocked, match="master key") as refused:
        async with app.router.lifespan_context(app):
            pass
    assert "REGISTRY_MASTER_KEY" in str(refused.value)


def test_without_a_master_key_the_registry_is_not_built(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REGISTRY_MASTER_KEY", raising=False)
    monkeypatch.delenv("REGISTRY_MASTER_KEY_FILE", raising=False)
    with pytest.raises(ValueError, match="MASTER_KEY"):
        create_app(Settings())
