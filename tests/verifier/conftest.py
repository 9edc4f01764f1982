"""Verifier fixtures: the app on a fresh database, and a small world of issuers.

``verifier`` (the HTTP tier) runs the app in the ``serve`` role (pool and
migrations; no broker): the projections it reads are filled by calling the
same handlers its consumers call (``World``), and a loopback web server
plays the platform's issuer, serving its did:web documents and signed
status lists. Credentials are the engine's sample micro-credential, signed
here with keys the test holds.

The tests mirror the code: ``checks/`` (``POST /v1/verify`` and the checks
it runs), ``identities/``, ``page/``, ``vcapi/``; service-wide parts
(fetching, rate limits, consumers, the OpenAPI document) at this level.
They import these helpers as ``verifier.conftest`` (``tests`` is on the
path, and this folder is a package).
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from meriter_credentials.did import did_web_document
from meriter_credentials.keys import Ed25519KeyPair
from meriter_credentials.proofs import RDFC, add_proof
from meriter_credentials.samples import sample_credential
from meriter_credentials.statuslist import (
    BitstringStatusList,
    sign_status_list_credential,
    status_entry,
    status_list_credential,
)
from meriter_shared.db.types import Pool
from meriter_shared.events.credentials import IssuerIdentityChanged, VerificationMethod
from meriter_shared.events.envelope import CloudEvent
from meriter_shared.events.registry import (
    AgencyRegistered,
    InstitutionRegistered,
    RegistrationPeriod,
    ReportRecorded,
)
from meriter_shared.projections import registry as registry_projection
from meriter_shared.settings import PostgresSettings
from meriter_verifier.app import create_app
from meriter_verifier.config import Settings
from meriter_verifier.identities.service import apply_identity
from support.webserver import WebServer

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def web() -> Iterator[WebServer]:
    server = WebServer()
    yield server
    server.close()


@pytest.fixture
def tls_web(workdir: Path) -> Iterator[WebServer]:
    server = WebServer(tls_dir=workdir / "tls")
    yield server
    server.close()


@dataclass
class Issuer:
    institution_id: str
    key: Ed25519KeyPair
    did: str
    deqar_id: str | None
    revocation: BitstringStatusList = field(default_factory=BitstringStatusList)
    suspension: BitstringStatusList = field(default_factory=BitstringStatusList)


@dataclass
class World:
    app: FastAPI
    http: httpx.AsyncClient
    web: WebServer
    issuers: dict[str, Issuer] = field(default_factory=dict)

    @property
    def pool(self) -> Pool:
        pool: Pool = self.app.state.runtime.pool
        return pool

    def did_web(self, institution_id: str) -> str:
        return f"did:web:127.0.0.1%3A{self.web.port}:issuers:{institution_id}"

    async def institution(
        self,
        *,
        quality_assured_from: date | None = date(2024, 1, 1),
        registered: bool = True,
        name: str = "Uppsala universitet",
    ) -> Issuer:
        """A platform institution: its identity, registry entry and QA report, published."""
        institution_id = f"inst-{uuid.uuid4().hex[:8]}"
        deqar = f"DEQARINST{uuid.uuid4().int % 10**6:06d}"
        did = self.did_web(institution_id)
        key = Ed25519KeyPair.from_seed(uuid.uuid4().bytes * 2, did_web=did)
        issuer = Issuer(institution_id, key, did, deqar if registered else None)
        identity = IssuerIdentityChanged(
            institution_id=institution_id,
            did=did,
            method="web",
            verification_methods=[
                VerificationMethod(
                    id=key.id, controller=did, public_key_multibase=key.public_key_multibase
                )
            ],
        )
        async with self.pool.acquire() as conn:
            await apply_identity(conn, identity, CloudEvent.of(identity))
            if registered:
                state = InstitutionRegistered(
                    institution_id=institution_id, deqar_id=deqar, name_official=name, country="SE"
                )
                await registry_projection.apply_institution(conn, state, CloudEvent.of(state))
            if registered and quality_assured_from is not None:
                agency = AgencyRegistered(
                    id=f"agency-{institution_id}",
                    acronym="UKÄ",
                    name="Universitetskanslersämbetet",
                    eqar_registrations=[RegistrationPeriod(registered_from=date(2005, 1, 1))],
                )
                await registry_projection.apply_agency(conn, agency, CloudEvent.of(agency))
                report = ReportRecorded(
                    id=f"report-{institution_id}",
                    agency_id=agency.id,
                    local_identifier="UKA-2024-17",
                    version=1,
                    activity_type="institutional",
                    status="part of obligatory EQA system",
                    decision="positive",
                    valid_from=quality_assured_from,
                    valid_to=date(2029, 12, 31),
                    valid_until=date(2029, 12, 31),
                    institution_ids=[institution_id],
                    recorded_at=datetime(2024, 1, 1, tzinfo=UTC),
                )
                await registry_projection.apply_report(conn, report)
        self.issuers[institution_id] = issuer
        self.publish(issuer)
        return issuer

    def list_url(self, issuer: Issuer, purpose: str) -> str:
        return self.web.url(f"/status-lists/{issuer.institution_id}-1-{purpose}")

    def publish(self, issuer: Issuer, **headers: str) -> None:
        """Serve the issuer's DID document and its two signed status lists."""
        path = f"/issuers/{issuer.institution_id}/did.json"
        self.web.json(path, did_web_document(issuer.did, [issuer.key]))
        for purpose, bits in (("revocation", issuer.revocation), ("suspension", issuer.suspension)):
            url = self.list_url(issuer, purpose)
            unsigned = status_list_credential(
                url,
                issuer=issuer.did,
                purpose=purpose,
                status_list=bits,
                valid_from=datetime(2026, 1, 1, tzinfo=UTC),
            )
            self.web.json(
                url.removeprefix(self.web.origin),
                sign_status_list_credential(unsigned, issuer.key),
                **headers,
            )

    def credential(
        self, issuer: Issuer, *, index: int | None = None, **changes: Any
    ) -> dict[str, Any]:
        """The sample micro-credential issued by ``issuer`` (unsigned)."""
        document = sample_credential()
        document["id"] = f"urn:uuid:{uuid.uuid4()}"
        document["issuer"]["id"] = issuer.did
        document["issuer"]["name"] = "Uppsala universitet"
        index = index if index is not None else uuid.uuid4().int % 131_072
        document["credentialStatus"] = status_entry(self.list_url(issuer, "revocation"), index)
        document.update(changes)
        return document

    def sign(
        self, document: dict[str, Any], key: Ed25519KeyPair, suite: str = RDFC
    ) -> dict[str, Any]:
        return add_proof(copy.deepcopy(document), key, suite=suite)

    def issue(self, issuer: Issuer, **changes: Any) -> dict[str, Any]:
        return self.sign(self.credential(issuer, **changes), issuer.key)

    async def verify(self, body: dict[str, Any], lang: str = "en") -> dict[str, Any]:
        response = await self.http.post("/v1/verify", json=body, headers={"Accept-Language": lang})
        assert response.status_code == 200, response.text
        answer: dict[str, Any] = response.json()
        return answer


def checks(answer: dict[str, Any]) -> dict[str, str]:
    """check name → status."""
    return {c["name"]: c["status"] for c in answer["checks"]}


def check(answer: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(c for c in answer["checks"] if c["name"] == name)
    return found


def settings_for(dsn: str, web: WebServer, **changes: Any) -> Settings:
    values: dict[str, Any] = {
        "process_role": "serve",
        "issuer_url": web.origin,
        "verify_in_pool": False,
        "projection_poll_interval_s": 0.05,
        **changes,
    }
    return Settings(postgres=PostgresSettings(dsn=dsn), **values)


@asynccontextmanager
async def running(dsn: str, web: WebServer, **changes: Any) -> AsyncIterator[World]:
    """The verifier on ``dsn``, its settings changed by ``changes``, and a client for it."""
    app = create_app(settings_for(dsn, web, **changes), clock=lambda: NOW)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://verifier") as http:
            yield World(app, http, web)


@pytest.fixture
async def world(fresh_db: str, web: WebServer) -> AsyncIterator[World]:
    async with running(fresh_db, web) as world:
        yield world
