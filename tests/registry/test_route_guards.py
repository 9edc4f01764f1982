"""Every write route refuses whoever may not write through it, and changes nothing.

``GUARDS`` states, for each write route of the app, who may call it: the
roles its guard admits (the admin always passes) and, for routes acting on a
tenant's resource, a request aimed at another tenant's. The test walks
``app.routes``: a write route missing from ``GUARDS`` fails it, and so does
one whose guard lets an anonymous, wrong-role or wrong-tenant caller through.
The token endpoint is the one write route without a bearer guard: it
authenticates clients by their secret.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi.routing import iter_route_contexts
from pydantic import SecretStr
from registry.registry_support import Registry, offering, report

from meriter_registry.app import create_app
from meriter_registry.config import Settings
from meriter_shared.auth import Role
from meriter_shared.db.types import Pool
from meriter_shared.secrets import new_master_key_text

WRITES = {"POST", "PUT", "PATCH", "DELETE"}
NOT_BEARER = {("POST", "/v1/oauth/token")}  # client credentials: its own 401s


@dataclass
class World:
    """One of everything, owned by tenants A; B and J are the other tenants."""

    agency_a: str
    agency_b: str
    institution_i: str
    institution_j: str
    report_a: str
    offering_i: str
    flag: str
    client: str
    tokens: dict[str, dict[str, str]] = field(default_factory=dict)

    def path(self, template: str) -> str:
        return template.format(
            client_id=self.client,
            institution_id=self.institution_i,
            agency_id=self.agency_a,
            report_id=self.report_a,
            flag_id=self.flag,
            offering_id=self.offering_i,
        )


Body = Callable[[World], dict[str, Any]]


def _institution(w: World) -> dict[str, Any]:
    return {"json": {"deqar_id": "DEQARINST0777", "name_official": "New", "country": "SE"}}


def _agency(w: World) -> dict[str, Any]:
    return {"json": {"acronym": "NEW", "name": "New agency"}}


def _report(w: World) -> dict[str, Any]:
    return {"json": report("AAA", "new", "DEQARINST0001")}


def _csv(w: World) -> dict[str, Any]:
    text = (
        "agency,local_identifier,activity_type,status,decision,valid_from,institution[1].deqar_id\n"
        "AAA,new,institutional,part of obligatory EQA system,positive,2020-01-01,DEQARINST0001\n"
    )
    return {"content": text, "headers": {"Content-Type": "text/csv"}}


def _offering(w: World) -> dict[str, Any]:
    return {"json": offering()}


def _reason(w: World) -> dict[str, Any]:
    return {"json": {"reason": "x"}}


def _none(w: World) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class Guard:
    roles: frozenset[Role]  # besides the admin, who passes every guard
    body: Body
    # The role whose *other* tenant must be refused (None: not tenant-scoped).
    tenant_scoped: Role | None = None


ADMIN_ONLY = frozenset[Role]()
GUARDS: dict[tuple[str, str], Guard] = {
    ("POST", "/v1/clients"): Guard(ADMIN_ONLY, lambda w: {"json": {"name": "x", "role": "admin"}}),
    ("DELETE", "/v1/clients/{client_id}"): Guard(ADMIN_ONLY, _none),
    ("POST", "/v1/institutions"): Guard(ADMIN_ONLY, _institution),
    ("PUT", "/v1/institutions/{institution_id}"): Guard(ADMIN_ONLY, _institution),
    ("POST", "/v1/institutions/{institution_id}/deactivate"): Guard(ADMIN_ONLY, _reason),
    ("POST", "/v1/institutions/{institution_id}/reactivate"): Guard(ADMIN_ONLY, _reason),
    ("POST", "/v1/agencies"): Guard(ADMIN_ONLY, _agency),
    ("PUT", "/v1/agencies/{agency_id}"): Guard(ADMIN_ONLY, _agency),
    ("POST", "/v1/reports/{report_id}/flags"): Guard(
        ADMIN_ONLY, lambda w: {"json": {"level": "high", "reason": "x"}}
    ),
    ("DELETE", "/v1/reports/{report_id}/flags/{flag_id}"): Guard(ADMIN_ONLY, _none),
    ("POST", "/submissionapi/v2/submit/report"): Guard(
        frozenset({Role.AGENCY}), _report, tenant_scoped=Role.AGENCY
    ),
    ("PUT", "/submissionapi/v2/submit/report"): Guard(
        frozenset({Role.AGENCY}), _report, tenant_scoped=Role.AGENCY
    ),
    ("POST", "/submissionapi/v2/submit/csv"): Guard(
        frozenset({Role.AGENCY}), _csv, tenant_scoped=Role.AGENCY
    ),
    ("DELETE", "/submissionapi/v2/delete/report/{report_id}"): Guard(
        frozenset({Role.AGENCY}), _none, tenant_scoped=Role.AGENCY
    ),
    # DEQAR's own URL for the same route (its tooling sends the trailing slash).
    ("DELETE", "/submissionapi/v2/delete/report/{report_id}/"): Guard(
        frozenset({Role.AGENCY}), _none, tenant_scoped=Role.AGENCY
    ),
    ("POST", "/v1/institutions/{institution_id}/offerings"): Guard(
        frozenset({Role.INSTITUTION}), _offering, tenant_scoped=Role.INSTITUTION
    ),
    ("PUT", "/v1/institutions/{institution_id}/offerings/{offering_id}"): Guard(
        frozenset({Role.INSTITUTION}), _offering, tenant_scoped=Role.INSTITUTION
    ),
}


def write_routes() -> list[tuple[str, str]]:
    """(method, path) of every write route in ``app.routes``, included routers' too."""
    app = create_app(Settings(master_key=SecretStr(new_master_key_text())))
    found = []
    for route in iter_route_contexts(app.routes):
        methods = route.methods or set()
        found += [(m, str(route.path)) for m in sorted(methods & WRITES)]
    return found


def test_every_write_route_has_a_declared_guard() -> None:
    routes = write_routes()
    unguarded = [r for r in routes if r not in GUARDS and r not in NOT_BEARER]
    assert unguarded == [], "declare who may call these in GUARDS and guard them in api.py"
    assert set(GUARDS) <= set(routes), "GUARDS names routes the app does not have"


async def test_every_write_route_refuses_anonymous_wrong_role_and_wrong_tenant_callers(
    registry: Registry,
) -> None:
    w = await world(registry)
    before = await snapshot(registry.pool)
    checked = 0
    for method, template in write_routes():
        if (method, template) in NOT_BEARER:
            continue
        guard = GUARDS[(method, template)]
        where = f"{method} {template}"
        request = Request(registry.http, method, w.path(template), guard.body(w))
        anonymous = await request.send(None)
        assert anonymous.status_code == 401, f"{where} let an anonymous caller through"
        assert anonymous.headers["content-type"].startswith("application/problem+json")
        for role in {Role.AGENCY, Role.INSTITUTION} - guard.roles:
            refused = await request.send(w.tokens[f"{role}-own"])
            assert refused.status_code == 403, f"{where} let role {role} through"
            assert refused.headers["content-type"].startswith("application/problem+json")
        if guard.tenant_scoped is not None:
            other = await request.send(w.tokens[f"{guard.tenant_scoped}-other"])
            assert other.status_code == 403, f"{where} let another {guard.tenant_scoped} through"
        checked += 1
    assert checked == len(GUARDS)
    assert await snapshot(registry.pool) == before, "a refused call changed something"


@dataclass
class Request:
    http: httpx.AsyncClient
    method: str
    url: str
    body: dict[str, Any]

    async def send(self, headers: dict[str, str] | None) -> httpx.Response:
        """The request a caller allowed through would make, with ``headers`` added."""
        merged = {**self.body.get("headers", {}), **(headers or {})}
        kw = {k: v for k, v in self.body.items() if k != "headers"}
        return await self.http.request(self.method, self.url, headers=merged, **kw)


async def world(registry: Registry) -> World:
    aaa = await registry.agency("AAA")
    bbb = await registry.agency("BBB")
    inst_i = await registry.institution("DEQARINST0001")
    inst_j = await registry.institution("DEQARINST0002")
    report_a, agency_headers = await registry.submitted_report(aaa, "AAA", "r1", "DEQARINST0001")
    inst_headers = await registry.token_for("institution", inst_i)
    r = await registry.http.post(
        f"/v1/institutions/{inst_i}/offerings", json=offering(), headers=inst_headers
    )
    assert r.status_code == 201, r.text
    offering_i = r.json()["id"]
    r = await registry.http.post(
        f"/v1/reports/{report_a}/flags",
        json={"level": "low", "reason": "x"},
        headers=registry.admin,
    )
    assert r.status_code == 201, r.text
    flag = r.json()["id"]
    r = await registry.http.post(
        "/v1/clients", json={"name": "spare", "role": "admin"}, headers=registry.admin
    )
    assert r.status_code == 201, r.text
    w = World(aaa, bbb, inst_i, inst_j, report_a, offering_i, flag, r.json()["client_id"])
    w.tokens = {
        "agency-own": agency_headers,
        "agency-other": await registry.token_for("agency", bbb),
        "institution-own": inst_headers,
        "institution-other": await registry.token_for("institution", inst_j),
    }
    return w


async def snapshot(pool: Pool) -> dict[str, list[str]]:
    """Every row of every table (the outbox by event id: the relay marks rows published)."""
    async with pool.acquire() as conn:
        tables = [
            r["tablename"]
            for r in await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        ]
        state: dict[str, list[str]] = {}
        for table in tables:
            column = "event_id::text" if table == "outbox" else "t::text"
            rows = await conn.fetch(f'SELECT {column} AS r FROM "{table}" t ORDER BY 1')  # noqa: S608
            state[table] = [r["r"] for r in rows]
    return state
