"""Driving the running platform as its users do: the national body, an agency, an institution.

Used by the end-to-end tests and the benchmarks: every step is a real HTTP
call to a service of the stack ``make up`` started.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

OFFERING = {
    "title": "Applied Machine Learning for Public Health",
    "learning_outcomes": [
        "Train models on register data",
        "Assess bias and privacy risks of a model",
    ],
    "ects": 7.5,
    "eqf_level": 7,
    "qf_ehea_cycle": "second",
    "assessment_type": "written-examination",
    "participation_form": "blended",
    "prerequisites": "180 ECTS incl. statistics",
    "stackable": True,
    "stackability": "Counts towards an MSc",
    "language": "en",
    "field_of_study": "0913 Health",
}


def result(result_id: str, offering_id: str, **changes: Any) -> dict[str, Any]:
    body = {
        "result_id": result_id,
        "offering_id": offering_id,
        "learner": {
            "identifier": f"19900101{abs(hash(result_id)) % 10000:04d}",
            "identifier_type": "nationalIdentityNumber",
            "name": "Åsa Öberg",
            "email": f"{result_id.lower()}@example.se",
            "language": "sv",
        },
        "assessed_on": "2026-06-01",
        "grade": "A",
        "supervision": "onsite-with-id-check",
    }
    return {**body, **changes}


async def token(registry: str, client_id: str, secret: str) -> dict[str, str]:
    async with httpx.AsyncClient(base_url=registry, timeout=10) as http:
        r = await http.post(
            "/v1/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": client_id,
                "client_secret": secret,
            },
        )
        r.raise_for_status()
        return {"Authorization": f"Bearer {r.json()['access_token']}"}


@dataclass
class Platform:
    urls: dict[str, str]
    admin: dict[str, str] = field(default_factory=dict)

    @classmethod
    async def connect(cls, urls: dict[str, str], admin_file: Path) -> Platform:
        client = json.loads(await asyncio.to_thread(admin_file.read_text))
        admin = await token(urls["registry"], client["client_id"], client["client_secret"])
        return cls(urls, admin)

    async def call(
        self,
        service: str,
        method: str,
        path: str,
        headers: dict[str, str] | None = None,
        **kw: Any,
    ) -> httpx.Response:
        async with httpx.AsyncClient(base_url=self.urls[service], timeout=60) as http:
            return await http.request(method, path, headers=headers or {}, **kw)

    async def new_client(self, role: str, tenant: str) -> dict[str, str]:
        """A new OAuth client of ``role`` for ``tenant``: its id and secret."""
        r = await self.call(
            "registry",
            "POST",
            "/v1/clients",
            self.admin,
            json={"name": f"{role} {tenant}", "role": role, "tenant_id": tenant},
        )
        assert r.status_code == 201, r.text
        body = r.json()
        return {"client_id": body["client_id"], "client_secret": body["client_secret"]}

    async def client_for(self, role: str, tenant: str) -> dict[str, str]:
        client = await self.new_client(role, tenant)
        return await token(self.urls["registry"], client["client_id"], client["client_secret"])

    async def agency(self, acronym: str | None = None) -> tuple[str, str]:
        acronym = acronym or f"A{uuid.uuid4().hex[:6].upper()}"
        r = await self.call(
            "registry",
            "POST",
            "/v1/agencies",
            self.admin,
            json={
                "acronym": acronym,
                "name": f"Agency {acronym}",
                "eqar_registrations": [{"registered_from": "2005-01-01"}],
            },
        )
        assert r.status_code == 201, r.text
        return str(r.json()["id"]), acronym

    async def institution(
        self, deqar_id: str | None = None, name: str = "Uppsala universitet"
    ) -> tuple[str, str]:
        deqar_id = deqar_id or f"DEQARINST{uuid.uuid4().int % 10**6:06d}"
        r = await self.call(
            "registry",
            "POST",
            "/v1/institutions",
            self.admin,
            json={
                "deqar_id": deqar_id,
                "name_official": name,
                "country": "SE",
                "website": "https://www.uu.se",
            },
        )
        assert r.status_code == 201, r.text
        return str(r.json()["id"]), deqar_id

    async def report(self, agency_id: str, acronym: str, deqar_id: str, **changes: Any) -> str:
        headers = await self.client_for("agency", agency_id)
        body = {
            "agency": acronym,
            "local_identifier": f"R-{uuid.uuid4().hex[:8]}",
            "activity_type": "institutional",
            "status": "part of obligatory EQA system",
            "decision": "positive",
            "valid_from": "2024-01-01",
            "valid_to": "2029-12-31",
            "institutions": [{"deqar_id": deqar_id}],
            **changes,
        }
        r = await self.call(
            "registry", "POST", "/submissionapi/v2/submit/report", headers, json=body
        )
        assert r.status_code == 200, r.text
        return str(r.json()["submitted_report_id"])

    async def offering(self, institution_id: str, headers: dict[str, str]) -> str:
        r = await self.call(
            "registry",
            "POST",
            f"/v1/institutions/{institution_id}/offerings",
            headers,
            json=OFFERING,
        )
        assert r.status_code == 201, r.text
        offering_id = str(r.json()["id"])
        await self.known_to_issuer(offering_id, headers)
        return offering_id

    async def known_to_issuer(
        self, offering_id: str, headers: dict[str, str], timeout_s: float = 30
    ) -> None:
        """Wait until the issuer's projection has the offering (results may name it)."""
        deadline = asyncio.get_running_loop().time() + timeout_s
        while (
            await self.call("issuer", "GET", f"/v1/offerings/{offering_id}", headers)
        ).status_code != 200:
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"offering {offering_id} never reached the issuer")
            await asyncio.sleep(0.1)

    async def wait_result(
        self, headers: dict[str, str], result_id: str, states: set[str], timeout_s: float = 60
    ) -> dict[str, Any]:
        deadline = asyncio.get_running_loop().time() + timeout_s
        while True:
            r = await self.call("issuer", "GET", f"/v1/results/{result_id}", headers)
            if r.status_code == 200 and r.json()["state"] in states:
                return dict(r.json())
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"result {result_id} not in {states}: {r.text}")
            await asyncio.sleep(0.2)
