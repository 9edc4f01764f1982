"""The token endpoint: lifetimes no request extends, and two rate limits."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from pydantic import ValidationError
from registry.registry_support import Registry, registry_settings, running_registry

from meriter_registry.clients.ratelimit import TokenBuckets
from meriter_registry.config import Settings


async def new_client(registry: Registry, role: str = "admin") -> dict[str, str]:
    r = await registry.http.post(
        "/v1/clients", json={"name": "caller", "role": role}, headers=registry.admin
    )
    assert r.status_code == 201, r.text
    created: dict[str, str] = r.json()
    return created


def form(client: dict[str, str], **extra: str) -> dict[str, str]:
    return {
        "grant_type": "client_credentials",
        "client_id": client["client_id"],
        "client_secret": client["client_secret"],
        **extra,
    }


async def test_no_request_parameter_extends_a_tokens_lifetime(registry: Registry) -> None:
    lifetime = registry.app.state.registry.settings.token_lifetime_s
    client = await new_client(registry)
    asks = {"expires_in": "86400", "lifetime": "86400", "exp": "9999999999", "ttl": "86400"}
    basic = base64.b64encode(f"{client['client_id']}:{client['client_secret']}".encode())
    answers = [
        await registry.http.post("/v1/oauth/token", data=form(client, **asks)),
        await registry.http.post(
            "/v1/oauth/token?expires_in=86400",
            data={"grant_type": "client_credentials", **asks},
            headers={"Authorization": f"Basic {basic.decode()}"},
        ),
    ]
    for r in answers:
        assert r.status_code == 200, r.text
        claims = jwt.decode(r.json()["access_token"], options={"verify_signature": False})
        assert r.json()["expires_in"] == claims["exp"] - claims["iat"] == lifetime


def test_a_lifetime_over_an_hour_is_no_setting() -> None:
    with pytest.raises(ValidationError, match="token_lifetime_s"):
        Settings(token_lifetime_s=3601)


async def test_credentials_that_are_not_text_are_refused_with_a_4xx(registry: Registry) -> None:
    not_utf8 = await registry.http.post(
        "/v1/oauth/token",
        content=b"grant_type=client_credentials&client_id=\xff",
        headers={"Content-Type": "text/plain"},
    )
    assert not_utf8.status_code == 400, not_utf8.text
    nul = base64.b64encode(b"mc_\x00x:secret").decode()
    r = await registry.http.post(
        "/v1/oauth/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {nul}"},
    )
    assert r.status_code == 401, r.text
    long_id = await registry.http.post(
        "/v1/oauth/token", data=form({"client_id": "x" * 10_000, "client_secret": "s"})
    )
    assert long_id.status_code == 401, long_id.text


async def test_each_client_gets_a_few_tokens_then_a_429_with_retry_after(
    fresh_db: str, kafka_bootstrap: str
) -> None:
    settings = registry_settings(
        fresh_db, kafka_bootstrap, token_burst_per_client=3, token_rate_per_client=0.01
    )
    async with running_registry(settings) as registry:
        client = await new_client(registry)
        answers = [await registry.http.post("/v1/oauth/token", data=form(client)) for _ in range(4)]
        assert [r.status_code for r in answers] == [200, 200, 200, 429]
        refused = answers[-1]
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert int(refused.headers["retry-after"]) >= 1
        assert "this client" in refused.json()["detail"]
        # A wrong secret counts too: guessing is throttled per client id.
        guess = await registry.http.post(
            "/v1/oauth/token", data=form({**client, "client_secret": "x"})
        )
        assert guess.status_code == 429
        other = await new_client(registry)
        assert (await registry.http.post("/v1/oauth/token", data=form(other))).status_code == 200


async def test_each_address_gets_a_few_token_requests_then_a_429(
    fresh_db: str, kafka_bootstrap: str
) -> None:
    settings = registry_settings(
        fresh_db, kafka_bootstrap, token_burst_per_address=5, token_rate_per_address=0.01
    )
    async with running_registry(settings, client=("192.0.2.1", 5000)) as registry:
        # The admin's own token took one; unknown clients count like known ones.
        unknown = {"client_id": "nobody", "client_secret": "x"}
        answers = [
            await registry.http.post("/v1/oauth/token", data=form(unknown)) for _ in range(5)
        ]
        assert [r.status_code for r in answers] == [401, 401, 401, 401, 429]
        assert int(answers[-1].headers["retry-after"]) >= 1
        assert "this address" in answers[-1].json()["detail"]
    async with running_registry(settings, client=("192.0.2.2", 5000)) as elsewhere:
        assert elsewhere.admin  # another address, its own bucket


def test_buckets_refill_at_their_rate() -> None:
    now = [0.0]
    buckets = TokenBuckets(rate=2.0, burst=2, clock=lambda: now[0])
    assert [buckets.take("k") for _ in range(3)] == [0.0, 0.0, 0.5]
    now[0] += 0.5
    assert buckets.take("k") == 0.0


def test_buckets_track_a_bounded_number_of_keys() -> None:
    buckets = TokenBuckets(rate=1.0, burst=1, max_keys=100, clock=lambda: 0.0)
    for n in range(10_000):
        buckets.take(f"203.0.113.{n}")
    assert len(buckets) == 100
    assert buckets.take("203.0.113.9999") > 0  # the newest keys are still limited


async def test_a_token_lives_300_seconds_and_the_answer_and_the_openapi_say_so(
    registry: Registry,
) -> None:
    r = await registry.http.post("/v1/oauth/token", data=form(await new_client(registry)))
    assert r.json()["expires_in"] == 300
    document = (await registry.http.get("/openapi.json")).json()
    operation = document["paths"]["/v1/oauth/token"]["post"]
    assert "300 seconds" in operation["description"]
    expires_in = document["components"]["schemas"]["TokenResponse"]["properties"]["expires_in"]
    assert "seconds" in expires_in["description"]


async def test_an_expired_token_is_answered_401_saying_so_and_where_to_get_a_new_one(
    fresh_db: str, kafka_bootstrap: str
) -> None:
    # The registry's clock stands an hour back: every token it issues has expired.
    an_hour_ago = datetime.now(UTC) - timedelta(hours=1)
    settings = registry_settings(fresh_db, kafka_bootstrap)
    async with running_registry(settings, clock=lambda: an_hour_ago) as reg:
        r = await reg.http.post(
            "/v1/institutions",
            json={"name_official": "Univ", "country": "SE"},
            headers=reg.admin,
        )
    assert r.status_code == 401
    problem = r.json()
    assert "access token has expired" in problem["detail"]
    token_url = settings.public_base_url + "/v1/oauth/token"
    assert f"get a new one from the token endpoint (POST {token_url}" in problem["detail"]
    assert problem["token_endpoint"] == token_url
