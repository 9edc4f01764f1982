"""From an institution's result to a credential anyone can verify, through the running platform.

One stack per module, as ``make up`` runs it. The national body registers an
agency and institutions, the agency submits quality assurance reports, the
institution publishes an offering and posts results to the issuer; every
step is an HTTP call, every check uses what the platform serves (the did:web
document, the status list).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest

from meriter_credentials.did import OfflineResolver
from meriter_credentials.verification import verify_credential
from support.driver import Platform, result
from support.stack import RunningStack


class Provider:
    """A quality-assured institution with an offering and its own client."""

    def __init__(self, platform: Platform) -> None:
        self.p = platform
        self.id = self.deqar = self.offering = ""
        self.headers: dict[str, str] = {}
        self.agency = self.acronym = ""

    async def setup(self, *, with_report: bool = True) -> Provider:
        self.agency, self.acronym = await self.p.agency()
        self.id, self.deqar = await self.p.institution()
        if with_report:
            await self.p.report(self.agency, self.acronym, self.deqar)
        self.headers = await self.p.client_for("institution", self.id)
        self.offering = await self.p.offering(self.id, self.headers)
        return self

    async def post(self, body: Any, **kw: Any) -> Any:
        return await self.p.call("issuer", "POST", "/v1/results", self.headers, json=body, **kw)


@pytest.fixture(scope="module")
async def provider(platform: Platform) -> Provider:
    return await Provider(platform).setup()


async def fetch_json(platform: Platform, url: str) -> Any:
    base = platform.urls["issuer"]
    assert url.startswith(base), url
    r = await platform.call("issuer", "GET", url[len(base) :])
    assert r.status_code == 200, r.text
    return r.json()


async def verify(platform: Platform, document: dict[str, Any]) -> dict[str, str]:
    """Each check's outcome, verifying against what the platform serves."""
    issuer = document["issuer"]["id"]
    institution_id = issuer.rsplit(":", 1)[1]
    did_doc = await fetch_json(
        platform, f"{platform.urls['issuer']}/issuers/{institution_id}/did.json"
    )
    status_url = document["credentialStatus"]["statusListCredential"]
    status_list = await fetch_json(platform, status_url)
    report = verify_credential(
        document,
        resolver=OfflineResolver({issuer: did_doc}),
        status_lists={status_url: status_list},
    )
    outcomes: dict[str, str] = {c.id: c.outcome for c in report.checks}
    outcomes["verified"] = "passed" if report.verified else "failed"
    return outcomes


async def test_a_posted_result_becomes_a_credential_that_verifies_and_fails_once_revoked(
    platform: Platform, provider: Provider
) -> None:
    r = await provider.post(result("E2E-1", provider.offering))
    assert r.status_code == 202, r.text
    assert r.json()["accepted"] == 1
    issued = await platform.wait_result(provider.headers, "E2E-1", {"issued", "rejected"})
    assert issued["state"] == "issued", issued
    c = await platform.call(
        "issuer", "GET", f"/v1/credentials/{issued['credential_id']}", provider.headers
    )
    document = c.json()
    assert document["issuer"]["id"].startswith("did:web:")
    assert (
        document["credentialSubject"]["achievement"]["name"]
        == "Applied Machine Learning for Public Health"
    )
    assert "199001" not in json.dumps(document)  # the learner's identifier only hashed
    assert (await verify(platform, document))["verified"] == "passed"

    r = await platform.call(
        "issuer",
        "POST",
        f"/v1/credentials/{issued['credential_id']}/status",
        provider.headers,
        json={"purpose": "revocation", "value": True, "reason": "issued in error"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "revoked"
    outcomes = await verify(platform, document)
    assert outcomes["verified"] == "failed"
    assert outcomes["status[0]"] == "failed"


async def test_a_result_posted_again_is_a_duplicate_and_issues_nothing_more(
    platform: Platform, provider: Provider
) -> None:
    body = result("E2E-DUP", provider.offering)
    assert (await provider.post(body)).json()["accepted"] == 1
    again = await provider.post(body)
    assert again.status_code == 202
    assert again.json()["records"][0]["outcome"] == "duplicate"
    changed = await provider.post({**body, "grade": "B"})
    assert changed.status_code == 409
    assert changed.headers["content-type"] == "application/problem+json"
    await platform.wait_result(provider.headers, "E2E-DUP", {"issued"})
    listing = await platform.call("issuer", "GET", "/v1/credentials?limit=1000", provider.headers)
    assert [i["result_id"] for i in listing.json()["items"]].count("E2E-DUP") == 1


async def test_a_held_result_is_released_by_a_later_quality_assurance_report(
    platform: Platform,
) -> None:
    unassured = await Provider(platform).setup(with_report=False)
    assert (await unassured.post(result("E2E-HELD", unassured.offering))).status_code == 202
    held = await platform.wait_result(unassured.headers, "E2E-HELD", {"held", "issued"})
    assert held["state"] == "held"
    assert "not quality assured" in held["reason"]
    await platform.report(unassured.agency, unassured.acronym, unassured.deqar)
    issued = await platform.wait_result(unassured.headers, "E2E-HELD", {"issued"})
    assert issued["credential_id"]


async def test_a_result_of_a_provider_whose_only_report_was_withdrawn_is_held(
    platform: Platform,
) -> None:
    withdrawn = await Provider(platform).setup(with_report=False)
    report_id = await platform.report(withdrawn.agency, withdrawn.acronym, withdrawn.deqar)
    agency_headers = await platform.client_for("agency", withdrawn.agency)
    r = await platform.call(
        "registry", "DELETE", f"/submissionapi/v2/delete/report/{report_id}", agency_headers
    )
    assert r.status_code in (200, 204), r.text
    await asyncio.sleep(1.0)  # the withdrawal reaches the issuer's projection
    assert (await withdrawn.post(result("E2E-WD", withdrawn.offering))).status_code == 202
    held = await platform.wait_result(withdrawn.headers, "E2E-WD", {"held", "issued"})
    assert held["state"] == "held"
    assert "not quality assured" in held["reason"]


async def test_only_an_institutions_own_client_posts_reads_and_changes_its_results(
    platform: Platform, provider: Provider
) -> None:
    other = await Provider(platform).setup()
    await provider.post(result("E2E-OWN", provider.offering))
    issued = await platform.wait_result(provider.headers, "E2E-OWN", {"issued"})
    credential = issued["credential_id"]
    # Another institution sees nothing of it and changes nothing.
    assert (
        await platform.call("issuer", "GET", "/v1/results/E2E-OWN", other.headers)
    ).status_code == 404
    assert (
        await platform.call("issuer", "GET", f"/v1/credentials/{credential}", other.headers)
    ).status_code == 404
    revoke = await platform.call(
        "issuer",
        "POST",
        f"/v1/credentials/{credential}/status",
        other.headers,
        json={"purpose": "revocation", "value": True, "reason": "not mine"},
    )
    assert revoke.status_code == 403
    # …nor posts for the first one's offering.
    foreign = await other.post(result("E2E-FOREIGN", provider.offering))
    assert foreign.status_code == 422
    assert foreign.json()["errors"][0]["field"] == "offering_id"
    # Admin and agency tokens do not post results; no token is 401.
    agency = await platform.client_for("agency", provider.agency)
    for headers, status in ((platform.admin, 403), (agency, 403), ({}, 401)):
        r = await platform.call(
            "issuer", "POST", "/v1/results", headers, json=result("E2E-X", provider.offering)
        )
        assert r.status_code == status, r.text
        assert r.headers["content-type"] == "application/problem+json"


async def test_bad_records_get_their_own_errors_and_the_valid_ones_are_accepted(
    platform: Platform, provider: Provider
) -> None:
    batch = [
        result("E2E-B1", provider.offering),
        "not an object",
        result("E2E-B3", provider.offering, assessed_on="2026-13-45"),
        result("E2E-B4", "no-such-offering"),
        result("E2E-B5", provider.offering),
    ]
    r = await provider.post(batch)
    assert r.status_code == 202, r.text
    body = r.json()
    assert [x["outcome"] for x in body["records"]] == [
        "accepted",
        "rejected",
        "rejected",
        "rejected",
        "accepted",
    ]
    assert body["records"][2]["problem"]["errors"][0]["pointer"] == "/assessed_on"
    assert body["records"][3]["problem"]["errors"][0]["field"] == "offering_id"
    for rid in ("E2E-B1", "E2E-B5"):
        assert (await platform.wait_result(provider.headers, rid, {"issued"}))["credential_id"]


async def test_a_body_over_the_limit_is_refused_before_it_is_read(
    platform: Platform, provider: Provider
) -> None:
    size = 100 * 1024 * 1024

    async def huge() -> AsyncIterator[bytes]:
        chunk = b"x" * (1024 * 1024)
        for _ in range(size // len(chunk)):
            yield chunk

    r = await platform.call(
        "issuer",
        "POST",
        "/v1/results",
        {**provider.headers, "content-type": "application/json", "content-length": str(size)},
        content=huge(),
    )
    assert r.status_code == 413
    assert r.headers["content-type"] == "application/problem+json"


async def test_ndjson_results_are_accepted_line_by_line(
    platform: Platform, provider: Provider
) -> None:
    lines = [json.dumps(result(f"E2E-N{i}", provider.offering)) for i in range(3)]
    lines.insert(1, "{broken")
    r = await platform.call(
        "issuer",
        "POST",
        "/v1/results",
        {**provider.headers, "content-type": "application/x-ndjson"},
        content="\n".join(lines).encode(),
    )
    assert r.status_code == 202, r.text
    assert [x["outcome"] for x in r.json()["records"]] == [
        "accepted",
        "rejected",
        "accepted",
        "accepted",
    ]


async def worker_pid(stack: RunningStack, not_in: list[int], timeout_s: float = 60) -> int:
    """The issuer worker's pid once it is one not killed before."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        info = json.loads((stack.state_dir / "stack.json").read_text())
        pid = int(info["pids"]["issuer-worker"])
        if pid not in not_in:
            return pid
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("the supervisor did not start the issuer worker again")
        await asyncio.sleep(0.2)


async def issued_per_result(stack: RunningStack, institution_id: str) -> dict[str, int]:
    conn = await asyncpg.connect(stack.pg_dsn_base + "/issuer")
    try:
        rows = await conn.fetch(
            "SELECT r.result_id, count(c.credential_id) AS n FROM results r "
            "LEFT JOIN credentials c ON c.institution_id = r.institution_id "
            "AND c.result_id = r.result_id "
            "WHERE r.institution_id = $1 GROUP BY r.result_id",
            institution_id,
        )
    finally:
        await conn.close()
    return {r["result_id"]: r["n"] for r in rows}


async def test_killing_the_issuer_at_random_moments_leaves_exactly_one_credential_per_result(
    stack: RunningStack, platform: Platform
) -> None:
    crashy = await Provider(platform).setup()
    batch = [result(f"KILL-{i:05d}", crashy.offering) for i in range(10_000)]
    r = await crashy.post(batch)
    assert r.json()["accepted"] == 10_000
    rng = random.Random(7)  # chaos, not security
    killed: list[int] = []
    for _ in range(4):
        # Wait for the supervisor to have started the worker again (1 s, 2 s … backoff).
        pid = await worker_pid(stack, not_in=killed)
        await asyncio.sleep(rng.uniform(0.5, 2.5))
        os.kill(pid, signal.SIGKILL)
        killed.append(pid)
    deadline = asyncio.get_running_loop().time() + 240
    while True:
        counts = await issued_per_result(stack, crashy.id)
        if len(counts) == 10_000 and all(n == 1 for n in counts.values()):
            break
        assert all(n <= 1 for n in counts.values()), "a result was issued twice"
        if asyncio.get_running_loop().time() > deadline:
            missing = sum(1 for n in counts.values() if n == 0)
            raise AssertionError(f"{missing} results without a credential")
        await asyncio.sleep(1.0)
    summary = await platform.call("issuer", "GET", "/v1/results/summary", crashy.headers)
    assert summary.json() == {"accepted": 0, "held": 0, "issued": 10_000, "rejected": 0}
