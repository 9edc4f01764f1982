"""Credentials from elsewhere: signed by Digital Bazaar's libraries under node, verified
through ``POST /v1/verify``.

Both Data Integrity suites, did:key and did:web (its document served over
HTTPS by a loopback server with a test CA), the legacy VC Data Model 1.1
``Ed25519Signature2020`` credentials many Open Badges issuers sign today,
an Open Badges 3.0 micro-credential, a revoked one (the list published by
the same outside issuer) and a tampered one.
"""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from verifier.conftest import check, checks, running

from meriter_credentials.did import did_web_document
from meriter_credentials.keys import Ed25519KeyPair
from meriter_credentials.samples import sample_credential
from meriter_credentials.statuslist import (
    BitstringStatusList,
    sign_status_list_credential,
    status_entry,
    status_list_credential,
)
from support.webserver import WebServer

TESTS = Path(__file__).resolve().parents[2]
NODE_DIR = TESTS / "interop" / "node"
CONTEXTS = TESTS.parent / ".." / "shared" / "contexts"
SEED = bytes(range(40, 72))
REVOKED = 911


def _vc2(**changes: Any) -> dict[str, Any]:
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "urn:uuid:3d1f0c1e-2222-4a51-9a54-0f4f1b3c2d10",
        "type": ["VerifiableCredential"],
        "issuer": "did:example:replaced",
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:learner", "name": "Ada Lovelace"},
        **changes,
    }


def _vc1_badge() -> dict[str, Any]:
    """An Open Badges 3.0 credential on VC Data Model 1.1, signed Ed25519Signature2020."""
    return {
        "@context": [
            "https://www.w3.org/2018/credentials/v1",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
            "https://w3id.org/security/suites/ed25519-2020/v1",
        ],
        "id": "urn:uuid:8e7f0c1e-2222-4a51-9a54-0f4f1b3c2d11",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": "Python for data analysis",
        "issuer": {"id": "did:example:replaced", "type": ["Profile"], "name": "Open University"},
        "issuanceDate": "2025-05-01T00:00:00Z",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://open.example/achievements/py",
                "type": ["Achievement"],
                "name": "Python for data analysis",
                "description": "Data analysis with Python.",
                "criteria": {"narrative": "Passed the final project."},
            },
        },
    }


@pytest.fixture(scope="module")
def outside(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """An outside issuer's HTTPS server (did:web document, status list) for the module."""
    server = WebServer(tls_dir=tmp_path_factory.mktemp("tls"))
    yield server
    server.close()


@pytest.fixture(scope="module")
def signed(outside: WebServer) -> dict[str, Any]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    if not (NODE_DIR / "node_modules" / "@digitalbazaar" / "ed25519-signature-2020").exists():
        pytest.skip("tests/interop/node/node_modules is missing (make test runs npm ci)")
    if not (CONTEXTS / "index.json").exists():
        pytest.skip("../shared/contexts is not on this machine")
    did_web = f"did:web:127.0.0.1%3A{outside.port}:issuer"
    web_key = Ed25519KeyPair.from_seed(SEED, did_web=did_web)
    did_key = Ed25519KeyPair.from_seed(SEED).controller
    outside.json("/issuer/did.json", did_web_document(did_web, [web_key]))
    list_url = outside.url("/lists/1")
    bits = BitstringStatusList()
    bits.set(REVOKED)
    outside.json(
        "/lists/1",
        sign_status_list_credential(
            status_list_credential(
                list_url,
                issuer=did_key,
                purpose="revocation",
                status_list=bits,
                valid_from=datetime(2026, 1, 1, tzinfo=UTC),
            ),
            Ed25519KeyPair.from_seed(SEED),
        ),
    )
    badge = sample_credential()
    badge["issuer"]["id"] = "did:example:replaced"
    jobs = {
        "rdfc-key": (_vc2(), None, "eddsa-rdfc-2022"),
        "jcs-key": (_vc2(), None, "eddsa-jcs-2022"),
        "rdfc-web": (_vc2(), did_web, "eddsa-rdfc-2022"),
        "jcs-web": (_vc2(), did_web, "eddsa-jcs-2022"),
        "legacy-key": (_vc1_badge(), None, "Ed25519Signature2020"),
        "legacy-web": (_vc1_badge(), did_web, "Ed25519Signature2020"),
        "ob3-microcredential": (badge, None, "eddsa-rdfc-2022"),
        "revoked": (
            _vc2(credentialStatus=status_entry(list_url, REVOKED)),
            None,
            "eddsa-rdfc-2022",
        ),
        "not-revoked": (
            _vc2(credentialStatus=status_entry(list_url, REVOKED + 1)),
            None,
            "eddsa-rdfc-2022",
        ),
    }
    batch = {
        "contextsDir": str(CONTEXTS),
        "sign": [
            {
                "credential": credential,
                "seedHex": SEED.hex(),
                "didWeb": web,
                "suite": suite,
                "created": "2026-01-15T09:00:00Z",
            }
            for credential, web, suite in jobs.values()
        ],
    }
    proc = subprocess.run(
        [node, str(NODE_DIR / "meriter_interop.mjs")],
        input=json.dumps(batch),
        capture_output=True,
        text=True,
        cwd=NODE_DIR,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return dict(zip(jobs, json.loads(proc.stdout)["signed"], strict=True))


@pytest.fixture
async def http(
    fresh_db: str, web: WebServer, outside: WebServer
) -> AsyncIterator[httpx.AsyncClient]:
    allowed = {"fetch_allow_origins": [outside.origin], "fetch_ca_file": outside.ca_file}
    async with running(fresh_db, web, **allowed) as world:
        yield world.http


async def _verify(http: httpx.AsyncClient, document: dict[str, Any]) -> dict[str, Any]:
    response = await http.post("/v1/verify", json={"credential": document})
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


OUTSIDE = {
    "format": "pass",
    "proof": "pass",
    "issuer": "warn",  # resolved, but not an institution of the registry
    "quality_assurance": "not_applicable",
    "validity": "pass",
    "status": "not_applicable",
    "annex_i": "not_applicable",
    "holder": "not_applicable",
}


@pytest.mark.parametrize("case", ["rdfc-key", "jcs-key", "rdfc-web", "jcs-web"])
async def test_a_digital_bazaar_credential_verifies_with_an_unknown_issuer_warning(
    http: httpx.AsyncClient, signed: dict[str, Any], case: str
) -> None:
    answer = await _verify(http, signed[case])
    assert answer["verdict"] == "verified_with_warnings", answer
    assert checks(answer) == OUTSIDE
    source = "web" if case.endswith("web") else "key"
    assert check(answer, "issuer")["evidence"]["resolved_from"] == source


@pytest.mark.parametrize("case", ["legacy-key", "legacy-web"])
async def test_a_legacy_ed25519signature2020_credential_verifies_with_older_format_warnings(
    http: httpx.AsyncClient, signed: dict[str, Any], case: str
) -> None:
    document = signed[case]
    assert document["proof"]["type"] == "Ed25519Signature2020"
    answer = await _verify(http, document)
    assert answer["verdict"] == "verified_with_warnings", answer
    assert checks(answer) == {**OUTSIDE, "format": "warn", "proof": "warn", "annex_i": "warn"}
    assert "Data Model 1.1" in check(answer, "format")["message"]
    assert "Ed25519Signature2020" in check(answer, "proof")["message"]


async def test_a_tampered_legacy_credential_fails(
    http: httpx.AsyncClient, signed: dict[str, Any]
) -> None:
    document = copy.deepcopy(signed["legacy-key"])
    document["name"] = "Advanced Python"
    answer = await _verify(http, document)
    assert answer["verdict"] == "not_verified"
    assert checks(answer)["proof"] == "fail"


async def test_an_outside_open_badges_micro_credential_is_read_for_annex_i(
    http: httpx.AsyncClient, signed: dict[str, Any]
) -> None:
    answer = await _verify(http, signed["ob3-microcredential"])
    assert answer["verdict"] == "verified_with_warnings", answer
    assert checks(answer) == {**OUTSIDE, "annex_i": "pass"}


async def test_an_outside_revoked_credential_fails_and_its_sibling_index_passes(
    http: httpx.AsyncClient, signed: dict[str, Any]
) -> None:
    revoked = await _verify(http, signed["revoked"])
    assert revoked["verdict"] == "not_verified"
    assert check(revoked, "status")["status"] == "fail"
    fine = await _verify(http, signed["not-revoked"])
    assert check(fine, "status")["status"] == "pass"
    # Outside issuers' lists are read as given: no platform suspension sibling.
    assert [e["purpose"] for e in check(fine, "status")["evidence"]["entries"]] == ["revocation"]


async def test_a_tampered_digital_bazaar_credential_fails(
    http: httpx.AsyncClient, signed: dict[str, Any]
) -> None:
    document = copy.deepcopy(signed["jcs-web"])
    document["credentialSubject"]["name"] = "Mallory"
    answer = await _verify(http, document)
    assert answer["verdict"] == "not_verified"
    assert checks(answer)["proof"] == "fail"
