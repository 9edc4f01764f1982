"""The verify routes are rate limited per client address (a token bucket)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from support.webserver import WebServer
from verifier.conftest import running


@pytest.fixture
async def limited(fresh_db: str, web: WebServer) -> AsyncIterator[httpx.AsyncClient]:
    async with running(fresh_db, web, rate_limit_per_s=0.5, rate_limit_burst=2) as world:
        yield world.http


async def test_past_the_burst_a_client_gets_429_with_retry_after(
    limited: httpx.AsyncClient,
) -> None:
    codes = [
        (await limited.post("/v1/verify", json={"credential": {}})).status_code for _ in range(3)
    ]
    assert codes == [200, 200, 429]
    refused = await limited.post("/credentials/verify", json={"verifiableCredential": {}})
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    assert int(refused.headers["retry-after"]) >= 1
    assert (await limited.get("/healthz")).status_code == 200  # only verify routes count
