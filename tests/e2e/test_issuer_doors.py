"""The issuer's doors end to end, through the platform ``make up`` starts: the W3C VC-API
(issue, status), learners' claim links, erasure. One stack for the module."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from meriter_credentials.did import OfflineResolver
from meriter_credentials.keys import Ed25519KeyPair
from meriter_credentials.statuslist import BitstringStatusList, status_lists_by_id
from meriter_credentials.verification import verify_credential
from meriter_issuer.identities.keystore import seed_purpose
from meriter_shared.events.topics import Topics
from meriter_shared.secrets import MasterKeys
from support.driver import OFFERING, Platform, result
from support.kafka import read_all
from support.stack import SERVICES, RunningStack, new_stack
from support.waiting import eventually

V2 = "https://www.w3.org/ns/credentials/v2"
RDFC, JCS = "eddsa-rdfc-2022", "eddsa-jcs-2022"


@pytest.fixture(scope="module")
def stack(workdir: Path) -> Iterator[RunningStack]:
    s = new_stack(workdir / "stack-doors")
    s.start()
    yield s
    if s.process is not None:
        s.stop()


@dataclass
class World:
    platform: Platform
    stack: RunningStack
    web: str  # an institution issuing under did:web (quality assured, with results)
    web_headers: dict[str, str]
    web_did: str
    key: str  # an institution issuing under did:key
    key_headers: dict[str, str]
    key_did: str
    offering: str
    agency_headers: dict[str, str]

    async def issuer_db(self) -> asyncpg.Connection:
        return await asyncpg.connect(self.stack.pg_dsn_base + "/issuer")

    async def issue(
        self, headers: dict[str, str], credential: dict[str, Any], **options: Any
    ) -> Any:
        return await self.platform.call(
            "issuer",
            "POST",
            "/credentials/issue",
            headers,
            json={"credential": credential, "options": options},
        )

    async def resolver_and_lists(self, signed: dict[str, Any]) -> tuple[OfflineResolver, Any]:
        """What a verifier fetches from the issuer: the did:web document, the status lists."""
        issuer = signed["issuer"]
        did = issuer["id"] if isinstance(issuer, dict) else issuer
        docs = {}
        if did.startswith("did:web:"):
            institution = did.rsplit(":", 1)[1]
            r = await self.platform.call("issuer", "GET", f"/issuers/{institution}/did.json")
            assert r.status_code == 200, r.text
            docs[did] = r.json()
        entries = signed.get("credentialStatus", [])
        lists = []
        for entry in entries if isinstance(entries, list) else [entries]:
            path = entry["statusListCredential"].removeprefix(self.platform.urls["issuer"])
            r = await self.platform.call("issuer", "GET", path)
            assert r.status_code == 200, r.text
            lists.append(r.json())
        return OfflineResolver(docs), status_lists_by_id(lists)


async def _known_to_issuer(platform: Platform, institution: str, headers: dict[str, str]) -> None:
    async def status() -> int:
        r = await platform.call("issuer", "GET", f"/v1/issuers/{institution}", headers)
        return r.status_code

    assert await eventually(status, lambda s: s == 200, timeout_s=30) == 200


@pytest.fixture(scope="module")
async def world(stack: RunningStack) -> World:
    urls = {s: stack.url(s) for s in SERVICES}
    platform = await Platform.connect(urls, stack.state_dir / "admin-client.json")
    agency_id, acronym = await platform.agency()
    web, deqar = await platform.institution(name="Uppsala universitet")
    key, _ = await platform.institution(name="Lunds universitet")
    await platform.report(agency_id, acronym, deqar)
    web_headers = await platform.client_for("institution", web)
    key_headers = await platform.client_for("institution", key)
    offering = await platform.offering(web, web_headers)
    await _known_to_issuer(platform, key, key_headers)
    r = await platform.call(
        "issuer", "PUT", f"/v1/issuers/{key}", key_headers, json={"method": "key"}
    )
    assert r.status_code == 200, r.text
    key_did = r.json()["did"]
    r = await platform.call("issuer", "GET", f"/v1/issuers/{web}", web_headers)
    web_did = r.json()["did"]
    assert web_did.startswith("did:web:")
    assert key_did.startswith("did:key:")
    return World(
        platform,
        stack,
        web,
        web_headers,
        web_did,
        key,
        key_headers,
        key_did,
        offering,
        await platform.client_for("agency", agency_id),
    )


def credential(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "@context": [V2, "https://www.w3.org/ns/credentials/examples/v2"],
        "id": f"urn:uuid:{uuid.uuid4()}",
        "type": ["VerifiableCredential", "ExampleDegreeCredential"],
        "name": "Kandidatexamen i datavetenskap",
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {
            "id": "did:example:ebfeb1f712ebc6f1c276e12ec21",
            "degree": {"type": "ExampleBachelorDegree", "name": "Bachelor of Science"},
        },
    }
    return {**body, **changes}


BOTH = [
    {"type": "BitstringStatusListEntry", "statusPurpose": "revocation"},
    {"type": "BitstringStatusListEntry", "statusPurpose": "suspension"},
]


# --- VC-API: issue ------------------------------------------------------------


@pytest.mark.parametrize("suite", [RDFC, JCS])
@pytest.mark.parametrize("method", ["web", "key"])
async def test_vcapi_issues_under_the_institutions_did_and_the_credential_verifies(
    world: World, method: str, suite: str
) -> None:
    headers, did = (
        (world.web_headers, world.web_did)
        if method == "web"
        else (world.key_headers, world.key_did)
    )
    r = await world.issue(headers, credential(), credentialStatus=BOTH, cryptosuite=suite)
    assert r.status_code == 201, r.text
    signed = r.json()["verifiableCredential"]
    assert signed["issuer"] == did
    assert signed["proof"]["cryptosuite"] == suite
    assert [e["statusPurpose"] for e in signed["credentialStatus"]] == ["revocation", "suspension"]
    resolver, lists = await world.resolver_and_lists(signed)
    report = verify_credential(signed, resolver=resolver, status_lists=lists)
    assert report.verified, report.model_dump_json(indent=1)
    assert {c.id for c in report.checks} >= {"status[0]", "status[1]"}


async def test_vcapi_defaults_to_eddsa_rdfc_2022_and_takes_the_suite_from_the_query(
    world: World,
) -> None:
    r = await world.issue(world.key_headers, credential())
    assert r.json()["verifiableCredential"]["proof"]["cryptosuite"] == RDFC
    r = await world.platform.call(
        "issuer",
        "POST",
        f"/credentials/issue?cryptosuite={JCS}",
        world.key_headers,
        json={"credential": credential()},
    )
    assert r.status_code == 201, r.text
    assert r.json()["verifiableCredential"]["proof"]["cryptosuite"] == JCS


async def test_vcapi_signs_a_vc_1_1_credential_with_the_data_integrity_context(
    world: World,
) -> None:
    v1 = {
        "@context": [
            "https://www.w3.org/2018/credentials/v1",
            {"name": "https://schema.org/name"},
        ],
        "type": ["VerifiableCredential"],
        "issuanceDate": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:subject", "name": "x"},
    }
    r = await world.issue(world.key_headers, v1)
    assert r.status_code == 201, r.text
    signed = r.json()["verifiableCredential"]
    assert signed["@context"][-1] == "https://w3id.org/security/data-integrity/v2"
    resolver, lists = await world.resolver_and_lists(signed)
    report = verify_credential(signed, resolver=resolver, status_lists=lists, check_format=False)
    assert report.verified, report.model_dump_json(indent=1)


@pytest.mark.parametrize(
    ("broken", "code"),
    [
        ({"credentialSubject": {"id": "_:learner", "name": "x"}}, "id-blank-node"),
        ({"@context": None}, "context-missing"),
        ({"type": ["ExampleDegreeCredential"]}, "type-required"),
        ({"type": []}, "type-invalid"),
        ({"issuer": "did:example:someone-else"}, "issuer-not-institution"),
        ({"issuer": {"id": None}}, "issuer-not-institution"),
        (
            {
                "credentialStatus": {
                    "type": "BitstringStatusListEntry",
                    "statusPurpose": "revocation",
                    "statusListIndex": 7,
                    "statusListCredential": "https://example.org/list",
                }
            },
            "status-index",
        ),
    ],
)
async def test_a_malformed_credential_is_refused_with_its_reason(
    world: World, broken: dict[str, Any], code: str
) -> None:
    document = {k: v for k, v in credential(**broken).items() if v is not None}
    r = await world.issue(world.web_headers, document)
    assert r.status_code in (400, 422), r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert code in [e["code"] for e in r.json()["errors"]], r.text


async def test_a_null_issuer_is_refused_not_filled_in(world: World) -> None:
    r = await world.issue(world.web_headers, credential(issuer=None))
    assert r.status_code == 422, r.text
    assert [e["code"] for e in r.json()["errors"]] == ["issuer-not-institution"]


async def test_a_credential_that_is_not_an_object_is_refused(world: World) -> None:
    r = await world.platform.call(
        "issuer", "POST", "/credentials/issue", world.web_headers, json={"credential": [1]}
    )
    assert r.status_code == 422


async def test_only_an_institution_issues_through_the_vcapi(world: World) -> None:
    anonymous = await world.platform.call(
        "issuer", "POST", "/credentials/issue", json={"credential": credential()}
    )
    assert anonymous.status_code == 401
    for headers in (world.agency_headers, world.platform.admin):
        r = await world.issue(headers, credential())
        assert r.status_code == 403, r.text


# --- VC-API: status -----------------------------------------------------------


async def _bit(world: World, signed: dict[str, Any], purpose: str) -> int:
    entries = signed["credentialStatus"]
    entry = next(
        e
        for e in (entries if isinstance(entries, list) else [entries])
        if e["statusPurpose"] == purpose
    )
    path = entry["statusListCredential"].removeprefix(world.platform.urls["issuer"])
    listed = (await world.platform.call("issuer", "GET", path)).json()
    bits = BitstringStatusList.decode(listed["credentialSubject"]["encodedList"])
    return bits.get(int(entry["statusListIndex"]))


async def _set_status(
    world: World, headers: dict[str, str], credential_id: str, purpose: str, value: bool
) -> Any:
    return await world.platform.call(
        "issuer",
        "POST",
        "/credentials/status",
        headers,
        json={
            "credentialId": credential_id,
            "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": purpose},
            "status": value,
        },
    )


async def test_a_status_update_sets_the_bit_in_the_published_status_list(world: World) -> None:
    r = await world.issue(world.key_headers, credential(), credentialStatus=BOTH)
    signed = r.json()["verifiableCredential"]
    assert await _bit(world, signed, "suspension") == 0
    r = await _set_status(world, world.key_headers, signed["id"], "suspension", True)
    assert r.status_code == 200, r.text
    assert r.json()["credentials"][0]["status"] == "suspended"
    assert await _bit(world, signed, "suspension") == 1
    resolver, lists = await world.resolver_and_lists(signed)
    assert not verify_credential(signed, resolver=resolver, status_lists=lists).verified
    r = await _set_status(world, world.key_headers, signed["id"], "suspension", False)
    assert r.json()["credentials"][0]["status"] == "active"
    assert await _bit(world, signed, "suspension") == 0
    r = await _set_status(world, world.key_headers, signed["id"], "revocation", True)
    assert r.json()["credentials"][0]["status"] == "revoked"
    assert await _bit(world, signed, "revocation") == 1


async def test_a_status_the_credential_carries_no_entry_for_is_a_conflict(world: World) -> None:
    r = await world.issue(
        world.key_headers,
        credential(),
        credentialStatus={"type": "BitstringStatusListEntry", "statusPurpose": "revocation"},
    )
    signed = r.json()["verifiableCredential"]
    assert isinstance(signed["credentialStatus"], dict)
    r = await _set_status(world, world.key_headers, signed["id"], "suspension", True)
    assert r.status_code == 409, r.text


async def test_another_institution_cannot_update_a_credential_it_did_not_issue(
    world: World,
) -> None:
    r = await world.issue(world.web_headers, credential(), credentialStatus=BOTH)
    signed = r.json()["verifiableCredential"]
    r = await _set_status(world, world.key_headers, signed["id"], "revocation", True)
    assert r.status_code in (403, 404), r.text
    assert await _bit(world, signed, "revocation") == 0
    anonymous = await _set_status(world, {}, signed["id"], "revocation", True)
    assert anonymous.status_code == 401
    agency = await _set_status(world, world.agency_headers, signed["id"], "revocation", True)
    assert agency.status_code == 403


# --- results, claim links, erasure ----------------------------------------------


@dataclass
class Issued:
    result_id: str
    identifier: str
    credential_id: str
    token: str
    name: str


async def _issue_through_results(world: World, language: str = "sv") -> Issued:
    result_id = f"R-{uuid.uuid4().hex[:10]}"
    body = result(result_id, world.offering)
    body["learner"] = {
        **body["learner"],
        "language": language,
        "name": f"Åsa <b>Öberg</b> {result_id}",
    }
    r = await world.platform.call("issuer", "POST", "/v1/results", world.web_headers, json=[body])
    assert r.status_code == 202, r.text
    done = await world.platform.wait_result(world.web_headers, result_id, {"issued", "rejected"})
    assert done["state"] == "issued", done
    conn = await world.issuer_db()
    try:
        url = await conn.fetchval(
            "SELECT event->'data'->'delivery'->>'claim_url' FROM outbox_log "
            "WHERE event->>'type' = 'credential.issued' AND event->'data'->>'credential_id' = $1",
            done["credential_id"],
        )
    finally:
        await conn.close()
    return Issued(
        result_id,
        body["learner"]["identifier"],
        done["credential_id"],
        url.rsplit("/", 1)[1],
        body["learner"]["name"],
    )


async def _claim(world: World, token: str, query: str = "", **headers: str) -> Any:
    return await world.platform.call("issuer", "GET", f"/claim/{token}{query}", headers)


async def test_the_claim_page_shows_the_credential_in_the_learners_language(
    world: World,
) -> None:
    issued = await _issue_through_results(world, "sv")
    r = await _claim(world, issued.token)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    html = r.text
    assert '<html lang="sv">' in html
    assert OFFERING["title"] in html
    assert "Åsa &lt;b&gt;Öberg&lt;/b&gt;" in html  # the learner's name, escaped
    assert "<b>" not in html
    assert "Utfärdat av" in html
    assert "Uppsala universitet" in html
    assert "7,5 högskolepoäng (ECTS)" in html
    assert "EQF-nivå 7" in html  # the platform's English labels in Swedish
    assert "Kvalitetssäkring" in html
    outcomes = OFFERING["learning_outcomes"]
    assert isinstance(outcomes, list)
    assert outcomes[0] in html
    csp = r.headers["content-security-policy"]
    assert "default-src 'none'" in csp
    assert "script-src" not in csp
    assert r.headers["cache-control"] == "no-store"
    assert "<script" not in html
    assert "src=" not in html

    en = await _claim(world, issued.token, "?lang=en")
    assert '<html lang="en">' in en.text
    assert "Awarded by" in en.text
    assert OFFERING["title"] in en.text
    assert "Åsa &lt;b&gt;Öberg" in en.text


async def test_the_claim_page_offers_the_signed_credential_and_answers_json(
    world: World,
) -> None:
    issued = await _issue_through_results(world, "en")
    page = await _claim(world, issued.token)
    assert '<html lang="en">' in page.text
    assert 'href="?download=1"' in page.text
    stored = await world.platform.call(
        "issuer", "GET", f"/v1/credentials/{issued.credential_id}", world.web_headers
    )
    download = await _claim(world, issued.token, "?download=1")
    assert download.status_code == 200
    assert "attachment" in download.headers["content-disposition"]
    assert download.json() == stored.json()
    as_json = await _claim(world, issued.token, Accept="application/json")
    assert as_json.headers["content-type"].startswith("application/json")
    assert as_json.headers["cache-control"] == "no-store"
    assert as_json.json() == stored.json()
    resolver, lists = await world.resolver_and_lists(as_json.json())
    assert verify_credential(as_json.json(), resolver=resolver, status_lists=lists).verified


async def test_unknown_and_expired_claim_links_answer_404(world: World) -> None:
    unknown = await _claim(world, "no-such-token-" + uuid.uuid4().hex)
    assert unknown.status_code == 404
    assert unknown.headers["content-type"].startswith("text/html")
    as_json = await _claim(world, "no-such-token", Accept="application/json")
    assert as_json.status_code == 404
    assert as_json.headers["content-type"] == "application/problem+json"
    issued = await _issue_through_results(world)
    conn = await world.issuer_db()
    try:
        await conn.execute(
            "UPDATE claims SET expires_at = $2 WHERE credential_id = $1",
            issued.credential_id,
            datetime(2020, 1, 1, tzinfo=UTC),
        )
    finally:
        await conn.close()
    assert (await _claim(world, issued.token)).status_code == 404


async def _erase(world: World, headers: dict[str, str], identifier: str) -> Any:
    return await world.platform.call(
        "issuer", "POST", "/v1/erasures", headers, json={"identifier": identifier}
    )


async def test_erasure_removes_the_learners_data_but_not_the_credentials_status(
    world: World,
) -> None:
    issued = await _issue_through_results(world)
    r = await _erase(world, world.web_headers, issued.identifier)
    assert r.status_code == 201, r.text
    answer = r.json()
    assert (answer["results"], answer["credentials"], answer["claims"]) == (1, 1, 1)
    assert answer["credential_ids"] == [issued.credential_id]

    gone = await _claim(world, issued.token)
    assert gone.status_code == 410
    assert (await _claim(world, issued.token, Accept="application/json")).status_code == 410
    read = await world.platform.call(
        "issuer", "GET", f"/v1/credentials/{issued.credential_id}", world.web_headers
    )
    assert read.status_code == 404
    revoke = await world.platform.call(
        "issuer",
        "POST",
        f"/v1/credentials/{issued.credential_id}/status",
        world.web_headers,
        json={"purpose": "revocation", "value": True, "reason": "issued in error"},
    )
    assert revoke.status_code == 200, revoke.text
    assert revoke.json()["status"] == "revoked"

    conn = await world.issuer_db()
    try:
        learner = await conn.fetchval(
            "SELECT learner FROM results WHERE institution_id = $1 AND result_id = $2",
            world.web,
            issued.result_id,
        )
        assert learner is None
        recorded = await conn.fetchrow(
            "SELECT * FROM erasures WHERE erasure_id = $1", answer["erasure_id"]
        )
        assert recorded is not None
        assert recorded["credentials"] == 1
        assert recorded["institution_id"] == world.web

        async def published() -> Any:
            return await conn.fetchrow(
                "SELECT event, published_at FROM outbox_log "
                "WHERE event->>'type' = 'learner.erased' "
                "AND event->'data'->'credential_ids' ? $1",
                issued.credential_id,
            )

        event = await eventually(published, lambda row: row is not None and row["published_at"])
    finally:
        await conn.close()
    assert event["published_at"] is not None  # the relay handed it to Kafka
    assert issued.identifier not in str(event["event"])
    assert issued.name not in str(event["event"])


async def test_an_open_result_of_an_erased_learner_is_rejected_as_erased(world: World) -> None:
    # An institution with no quality assurance report: its results are held.
    institution, _ = await world.platform.institution(name="Högskolan i Borås")
    headers = await world.platform.client_for("institution", institution)
    offering = await world.platform.offering(institution, headers)
    body = result(f"R-{uuid.uuid4().hex[:10]}", offering)
    r = await world.platform.call("issuer", "POST", "/v1/results", headers, json=[body])
    assert r.status_code == 202, r.text
    await world.platform.wait_result(headers, body["result_id"], {"held"})
    r = await _erase(world, headers, body["learner"]["identifier"])
    assert r.status_code == 201, r.text
    assert (r.json()["results"], r.json()["rejected"]) == (1, 1)
    after = await world.platform.wait_result(headers, body["result_id"], {"rejected"})
    assert after["reason"] == "erased"


async def test_another_institution_cannot_erase_a_learner_of_this_one(world: World) -> None:
    issued = await _issue_through_results(world)
    r = await _erase(world, world.key_headers, issued.identifier)
    assert r.status_code == 201, r.text
    assert (r.json()["results"], r.json()["credentials"]) == (0, 0)
    assert (await _claim(world, issued.token)).status_code == 200
    assert (await _erase(world, {}, issued.identifier)).status_code == 401
    assert (await _erase(world, world.agency_headers, issued.identifier)).status_code == 403
    assert (await _erase(world, world.platform.admin, issued.identifier)).status_code == 403


async def test_the_new_write_routes_are_documented_with_bodies_roles_and_problems(
    world: World,
) -> None:
    document = (await world.platform.call("issuer", "GET", "/openapi.json")).json()
    for path in ("/credentials/issue", "/credentials/status", "/v1/erasures"):
        operation = document["paths"][path]["post"]
        assert "x-required-role" in operation, path
        assert "application/json" in operation["requestBody"]["content"], path
        assert {"401", "403", "422"} <= set(operation["responses"]), path
    claim = document["paths"]["/claim/{token}"]["get"]
    assert {"404", "410"} <= set(claim["responses"])


def _seed_forms(seed: bytes, sealed: str) -> set[bytes]:
    """Every spelling of a private key that could escape: raw, hex, base64
    (both alphabets, with and without padding), the secret multibase, and the
    sealed blob itself, which belongs in the issuer's database and nowhere else."""
    pair = Ed25519KeyPair.from_seed(seed)
    return {
        seed,
        seed.hex().encode(),
        seed.hex().upper().encode(),
        base64.b64encode(seed),
        base64.b64encode(seed).rstrip(b"="),
        base64.urlsafe_b64encode(seed).rstrip(b"="),
        pair.secret_key_multibase().encode(),
        sealed.encode(),
    }


async def test_no_private_key_appears_in_a_log_an_event_a_response_or_an_error(
    world: World,
) -> None:
    p, answers = world.platform, []
    # Every door that touches keys: identities (read, rotate, change method),
    # signing through both paths, the did documents, and errors on the way.
    for institution, headers in ((world.web, world.web_headers), (world.key, world.key_headers)):
        for method, path, body in (
            ("GET", f"/v1/issuers/{institution}", None),
            ("POST", f"/v1/issuers/{institution}/keys", None),
            ("PUT", f"/v1/issuers/{institution}", {"method": "bogus"}),
            ("PUT", f"/v1/issuers/{institution}", {"method": "key", "seed": "0" * 64}),
            ("GET", f"/issuers/{institution}/did.json", None),
        ):
            answers.append(await p.call("issuer", method, path, headers, json=body))
        answers.append(await world.issue(headers, credential()))
        answers.append(await world.issue(headers, credential(credentialSubject={"id": "_:x"})))
    r = await world.platform.call(
        "issuer", "POST", "/v1/results", world.web_headers, json=result("LEAK-1", world.offering)
    )
    answers.append(r)
    issued = await p.wait_result(world.web_headers, "LEAK-1", {"issued"})
    answers.append(
        await p.call(
            "issuer", "GET", f"/v1/credentials/{issued['credential_id']}", world.web_headers
        )
    )
    answers.append(await p.call("issuer", "GET", "/metrics"))
    assert any(a.status_code == 201 for a in answers)
    assert any(a.status_code >= 400 for a in answers)

    db = await world.issuer_db()
    try:
        rows = await db.fetch("SELECT key_id, sealed_seed FROM issuer_keys")
    finally:
        await db.close()
    master = MasterKeys.from_file(world.stack.state_dir / "master.key")
    forms: set[bytes] = set()
    for row in rows:
        seed = master.open(row["sealed_seed"], seed_purpose(row["key_id"]))
        forms |= _seed_forms(seed, row["sealed_seed"])
    assert len(rows) >= 4  # two institutions, each rotated once

    bootstrap = world.stack.env.get(
        "MERITER_KAFKA_BOOTSTRAP", f"127.0.0.1:{world.stack.env['MERITER_KAFKA_PORT']}"
    )
    topics = [Topics.REGISTRY, Topics.RESULTS, Topics.CREDENTIALS, Topics.NOTIFICATIONS]
    events = [
        bytes(record.value or b"") + b"".join(k.encode() + bytes(v) for k, v in record.headers)
        for topic in topics + [Topics.dead_letter(t) for t in topics]
        for record in await read_all(bootstrap, topic)
    ]
    assert any(b"credential.issued" in e for e in events)
    logs = [path.read_bytes() for path in (world.stack.state_dir / "logs").glob("*.log")]
    assert logs
    places = {
        "a response or an error": [a.content + str(a.headers).encode() for a in answers],
        "an event": events,
        "a log": logs,
    }
    for where, texts in places.items():
        for text in texts:
            leaked = [form for form in forms if form in text]
            assert not leaked, f"a private key appears in {where}"


INJECTED_LANGUAGE = "en .\n<http://ex/t> <http://ex/q> <http://ex/o>"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": {"@value": "Kandidatexamen", "@language": INJECTED_LANGUAGE}}, "language"),
        (
            {"name": {"@value": "Kandidatexamen", "@direction": "ltr .\n<a:b> <a:c> <a:d>"}},
            "direction",
        ),
        ({"name": {"@value": "Kandidatexamen", "@language": "en GB"}}, "language"),
        ({"id": "urn:uuid:x> <http://ex/q> <http://ex/o"}, "IRI"),
        ({"validFrom": "2025-01-15"}, "validFrom"),
        ({"validFrom": "2025-01-15T09:00Z"}, "validFrom"),
        ({"validFrom": "2016-12-31T23:59:60Z"}, "validFrom"),
        ({"validUntil": "2030-01-15T09:00:00"}, "validUntil"),
    ],
)
async def test_vcapi_refuses_a_credential_whose_canonical_form_an_input_could_change(
    world: World, change: dict[str, Any], field: str
) -> None:
    """An institution cannot have one document signed as another, nor a date other
    verifiers read differently: 422 naming the field, nothing signed."""
    r = await world.issue(world.key_headers, credential(**change))
    assert r.status_code == 422, r.text
    assert field in r.text


async def test_vcapi_refuses_an_integer_javascript_verifiers_would_read_rounded(
    world: World,
) -> None:
    body = credential()
    body["credentialSubject"]["degree"]["name"] = 9007199254740993
    r = await world.issue(world.key_headers, body)
    assert r.status_code == 422, r.text
    problem = r.json()
    assert any(e.get("code") == "number-out-of-range" for e in problem["errors"]), problem
    assert "/credentialSubject/degree/name" in r.text
