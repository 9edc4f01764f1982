"""A stand-in VC-API issuer, so the W3C suites can test the verifier's VC-API.

The W3C suites make the credentials their verifier tests send by calling an
issuer of the implementation under test. The platform's own issuer has a
VC-API (``POST /credentials/issue`` and ``POST /credentials/status`` at the
issuer), but it signs only for a logged-in institution under that
institution's DID. To run the suites against the verifier alone, this small
app plays an issuer with no login: it signs with the engine as a ``did:key``
(eddsa-rdfc-2022 on ``/credentials/issue``, eddsa-jcs-2022 on
``/jcs/credentials/issue``), refuses what the engine finds malformed (422),
adds a Bitstring Status List entry when ``options.credentialStatus`` asks for
one, and serves the signed lists. Never part of the platform; loopback only.

    PYTHONPATH=tests python -m support.vcapi_issuer --port 18120
    run-suites.sh --base-url http://127.0.0.1:18120 \\
      --issuer-did $(curl -s http://127.0.0.1:18120/did | jq -r .did) \\
      --verify http://127.0.0.1:8003/credentials/verify \\
      --verify-vp http://127.0.0.1:8003/presentations/verify \\
      --offers issue,issue-jcs,verify,verify-vp,status
(the verifier started with ``VERIFIER_FETCH_ALLOW_ORIGINS='["http://127.0.0.1:18120"]'``).
"""

from __future__ import annotations

import argparse
import hashlib
import secrets
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from meriter_credentials import vcdm
from meriter_credentials.keys import Ed25519KeyPair
from meriter_credentials.proofs import JCS, RDFC, ProofError, add_proof
from meriter_credentials.statuslist import (
    BitstringStatusList,
    sign_status_list_credential,
    status_entry,
    status_list_credential,
)

VC_V1 = "https://www.w3.org/2018/credentials/v1"
DI_V2 = "https://w3id.org/security/data-integrity/v2"


def create_app(base_url: str) -> FastAPI:
    # One key across restarts: verifiers keep the lists they fetched, and a list
    # signed by another key at the same URL would rightly be refused.
    key = Ed25519KeyPair.from_seed(hashlib.sha256(b"meriter stand-in VC-API issuer").digest())
    lists: dict[str, dict[str, Any]] = {}
    app = FastAPI()

    def list_url(purpose: str) -> str:
        url = f"{base_url}/status-lists/{purpose}"
        if url not in lists:
            unsigned = status_list_credential(
                url, issuer=key.controller, purpose=purpose, status_list=BitstringStatusList()
            )
            lists[url] = sign_status_list_credential(unsigned, key)
        return url

    @app.get("/did")
    async def did() -> dict[str, str]:
        return {"did": key.controller}

    @app.get("/status-lists/{purpose}")
    async def status_list(purpose: str) -> JSONResponse:
        found = lists.get(f"{base_url}/status-lists/{purpose}")
        if found is None:
            return JSONResponse({"error": "no such list"}, status_code=404)
        return JSONResponse(found, media_type="application/vc+ld+json")

    async def issue(request: Request, suite: str) -> JSONResponse:
        try:
            body = await request.json()
        except ValueError:
            return JSONResponse({"error": "not JSON"}, status_code=400)
        credential = body.get("credential") if isinstance(body, dict) else None
        options = body.get("options") or {} if isinstance(body, dict) else {}
        if not isinstance(credential, dict) or not isinstance(options, dict):
            return JSONResponse({"error": "credential must be an object"}, status_code=400)
        raw_contexts = credential.get("@context")
        contexts: list[Any] = raw_contexts if isinstance(raw_contexts, list) else []
        legacy = contexts[:1] == [VC_V1]
        if legacy and DI_V2 not in contexts:
            credential = {**credential, "@context": [*contexts, DI_V2]}
        status = options.get("credentialStatus")
        if isinstance(status, dict):
            purpose = status.get("statusPurpose", "revocation")
            if purpose not in ("revocation", "suspension") or status.get("type") != (
                "BitstringStatusListEntry"
            ):
                return JSONResponse({"error": "unsupported credentialStatus"}, status_code=400)
            credential = {
                **credential,
                "credentialStatus": status_entry(
                    list_url(purpose), secrets.randbelow(131_072), purpose=purpose
                ),
            }
        if legacy and not isinstance(credential.get("credentialSubject"), dict | list):
            return JSONResponse({"error": "credentialSubject is required"}, status_code=422)
        if not legacy:
            problems = vcdm.validate(credential)
            if problems:
                return JSONResponse(
                    {"error": [f"{p.path}: {p.message}" for p in problems[:10]]},
                    status_code=422,
                )
        try:
            signed = add_proof(credential, key, suite=suite)
        except ProofError as exc:
            return JSONResponse({"error": str(exc)}, status_code=422)
        return JSONResponse({"verifiableCredential": signed}, status_code=201)

    @app.post("/credentials/issue")
    async def issue_rdfc(request: Request) -> JSONResponse:
        return await issue(request, RDFC)

    @app.post("/jcs/credentials/issue")
    async def issue_jcs(request: Request) -> JSONResponse:
        return await issue(request, JCS)

    return app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=18120)
    args = parser.parse_args()
    app = create_app(f"http://127.0.0.1:{args.port}")
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
