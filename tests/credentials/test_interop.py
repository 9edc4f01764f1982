"""Interop with Digital Bazaar (@digitalbazaar/vc + eddsa cryptosuites) under node.

One node process per test module: it verifies what Meriter signed and signs
credentials that Meriter then verifies (both suites, did:key and did:web, with
a status list and a revoked variant).
"""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from meriter_credentials.did import OfflineResolver, did_web_document
from meriter_credentials.keys import Ed25519KeyPair
from meriter_credentials.proofs import JCS, RDFC, add_proof
from meriter_credentials.statuslist import (
    BitstringStatusList,
    sign_status_list_credential,
    status_entry,
    status_list_credential,
)
from meriter_credentials.verification import verify_credential

from .conftest import rdfc_available, shared_path

NODE_DIR = Path(__file__).resolve().parents[1] / "interop" / "node"
SEED = bytes(range(32))
DID_WEB = "did:web:issuer.meriter.example"
LIST_URL = "https://status.meriter.example/lists/interop"
NOW = "2026-06-01T00:00:00Z"
REVOKED_INDEX = 4242


SUITES = [JCS, RDFC] if rdfc_available() else [JCS]
CASES = [
    (suite, issuer, revoked)
    for suite in SUITES
    for issuer in ("key", "web")
    for revoked in (False, True)
    if not (issuer == "web" and revoked)
]


def _unsigned(revoked: bool | None) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "urn:uuid:7b1f0c1e-2222-4a51-9a54-0f4f1b3c2d10",
        "type": ["VerifiableCredential"],
        "issuer": "did:example:replaced",
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:learner", "name": "Ada Lovelace"},
    }
    if revoked is not None:
        doc["credentialStatus"] = status_entry(
            LIST_URL, REVOKED_INDEX if revoked else REVOKED_INDEX + 1
        )
    return doc


@pytest.fixture(scope="module")
def interop() -> dict[str, Any]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    if not (NODE_DIR / "node_modules" / "@digitalbazaar" / "vc").exists():
        pytest.skip("tests/interop/node/node_modules is missing (run npm install there)")
    contexts = shared_path("contexts", "index.json").parent
    key = Ed25519KeyPair.from_seed(SEED)
    web_key = Ed25519KeyPair.from_seed(SEED, did_web=DID_WEB)
    did_docs = {DID_WEB: did_web_document(DID_WEB, [web_key])}
    bits = BitstringStatusList()
    bits.set(REVOKED_INDEX)
    status_list = sign_status_list_credential(
        status_list_credential(
            LIST_URL,
            issuer=key.controller,
            purpose="revocation",
            status_list=bits,
            valid_from=datetime(2026, 1, 1, tzinfo=UTC),
        ),
        key,
        suite=JCS,
    )
    ours = {}
    sign_jobs = []
    for suite, issuer, revoked in CASES:
        signer = key if issuer == "key" else web_key
        doc = _unsigned(revoked if issuer == "key" else None)
        doc["issuer"] = signer.controller
        ours[(suite, issuer, revoked)] = add_proof(doc, signer, suite=suite)
        sign_jobs.append(
            {
                "credential": _unsigned(revoked if issuer == "key" else None),
                "seedHex": SEED.hex(),
                "didWeb": DID_WEB if issuer == "web" else None,
                "suite": suite,
                "created": "2025-01-15T09:00:00Z",
            }
        )
    batch = {
        "contextsDir": str(contexts),
        "didDocs": did_docs,
        "documents": {LIST_URL: status_list},
        "now": NOW,
        "sign": sign_jobs,
        "verify": [{"credential": ours[c]} for c in CASES],
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
    out = json.loads(proc.stdout)
    return {
        "db_verdicts": dict(zip(CASES, out["verified"], strict=True)),
        "db_signed": dict(zip(CASES, out["signed"], strict=True)),
        "resolver": OfflineResolver(did_docs),
        "lists": {LIST_URL: status_list},
    }


def _name(case: tuple[str, str, bool]) -> str:
    return f"{case[0]}-did{case[1]}-{'revoked' if case[2] else 'ok'}"


@pytest.mark.parametrize("case", CASES, ids=_name)
def test_digital_bazaar_accepts_meriter_credentials_and_rejects_revoked(
    interop: dict[str, Any], case: tuple[str, str, bool]
) -> None:
    verdict = interop["db_verdicts"][case]
    assert verdict["verified"] is (not case[2]), verdict["errors"]
    if case[2]:
        assert any("status" in e for e in verdict["errors"]), verdict["errors"]


@pytest.mark.parametrize("case", CASES, ids=_name)
def test_meriter_accepts_digital_bazaar_credentials_and_rejects_revoked(
    interop: dict[str, Any], case: tuple[str, str, bool]
) -> None:
    signed = interop["db_signed"][case]
    report = verify_credential(
        signed,
        resolver=interop["resolver"],
        status_lists=interop["lists"],
        now=datetime.fromisoformat(NOW.replace("Z", "+00:00")),
    )
    assert report.verified is (not case[2]), report.model_dump_json(indent=1)
    if case[2]:
        assert [c.id for c in report.checks if c.outcome == "failed"] == ["status[0]"]


def test_meriter_rejects_a_tampered_digital_bazaar_credential(interop: dict[str, Any]) -> None:
    signed = copy.deepcopy(interop["db_signed"][(JCS, "key", False)])
    signed["credentialSubject"]["name"] = "Mallory"
    assert not verify_credential(
        signed,
        resolver=interop["resolver"],
        status_lists=interop["lists"],
        now=datetime(2026, 6, 1, tzinfo=UTC),
    ).verified
