"""Helpers for registry tests: a client with token helpers, report objects,
and a registry in a process of its own (``registry_process``).

``registry`` yields an httpx client bound to the app (its lifespan runs: pool,
migrations, producer, outbox relay) plus helpers that mint tokens for
admin, agency and institution clients the way a real caller would.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from pydantic import SecretStr

from meriter_local.procs import free_port
from meriter_registry.app import create_app
from meriter_registry.clients import service as clients
from meriter_registry.clients.schemas import ClientIn
from meriter_registry.config import Settings
from meriter_shared.auth import Principal
from meriter_shared.db.types import Pool
from meriter_shared.secrets import new_master_key_text
from meriter_shared.settings import KafkaSettings, PostgresSettings


def registry_settings(dsn: str, kafka_bootstrap: str, **overrides: Any) -> Settings:
    """A registry's settings for a test: its database, the session broker, a master key."""
    settings = Settings(
        postgres=PostgresSettings(dsn=dsn),
        kafka=KafkaSettings(bootstrap_servers=kafka_bootstrap),
        outbox_poll_interval_s=0.05,
        master_key=SecretStr(new_master_key_text()),
    )
    return settings.model_copy(update=overrides)


class OrderedClock:
    """The app's clock in a test (``create_app(clock=)``) that separates instants
    without sleeping: it follows the real time (so rows the database stamps
    with its own clock, and tokens, agree with it) but never goes back, and
    :meth:`instant_between` promises that every change made after it is
    stamped later than it."""

    def __init__(self) -> None:
        self._floor = datetime.min.replace(tzinfo=UTC)

    def __call__(self) -> datetime:
        self._floor = max(datetime.now(UTC), self._floor)
        return self._floor

    def instant_between(self) -> str:
        """An instant no earlier than every change made so far and earlier than every
        change to come, as a query writes it."""
        between = self()
        self._floor = between + timedelta(milliseconds=1)
        return between.isoformat()


@asynccontextmanager
async def running_registry(
    settings: Settings,
    client: tuple[str, int] = ("127.0.0.1", 123),
    clock: Callable[[], datetime] | None = None,
) -> AsyncIterator[Registry]:
    """The app with ``settings`` (and ``clock``, if given), its lifespan run, an httpx
    client (calling from ``client``) and an admin token."""
    app = create_app(settings) if clock is None else create_app(settings, clock=clock)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=client)
        async with httpx.AsyncClient(transport=transport, base_url="http://registry") as http:
            reg = Registry(app, http, {})
            reg.admin = await reg.token_for("admin")
            yield reg


@dataclass
class Registry:
    app: FastAPI
    http: httpx.AsyncClient
    admin: dict[str, str]

    @property
    def pool(self) -> Pool:
        return self.app.state.runtime.pool  # type: ignore[no-any-return]

    async def token_for(self, role: str, tenant: str | None = None) -> dict[str, str]:
        """Authorization headers for a new client of ``role``/``tenant``."""
        async with self.pool.acquire() as conn:
            client = await clients.create_client(
                conn,
                ClientIn.model_validate(
                    {"name": f"{role} client", "role": role, "tenant_id": tenant}
                ),
                Principal.system("tests"),
            )
        r = await self.http.post(
            "/v1/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": client.client_id,
                "client_secret": client.client_secret,
            },
        )
        assert r.status_code == 200, r.text
        return {"Authorization": f"Bearer {r.json()['access_token']}"}

    async def agency(self, acronym: str, registered_from: str = "2005-01-01") -> str:
        r = await self.http.post(
            "/v1/agencies",
            json={
                "acronym": acronym,
                "name": f"Agency {acronym}",
                "eqar_registrations": [{"registered_from": registered_from}],
            },
            headers=self.admin,
        )
        assert r.status_code == 201, r.text
        return str(r.json()["id"])

    async def submitted_report(
        self, agency_id: str, acronym: str, local_id: str, *deqar_ids: str, **extra: Any
    ) -> tuple[str, dict[str, str]]:
        """A report the agency submitted itself: its id and the agency's headers."""
        headers = await self.token_for("agency", agency_id)
        r = await self.http.post(
            "/submissionapi/v2/submit/report",
            json=report(acronym, local_id, *deqar_ids, **extra),
            headers=headers,
        )
        assert r.status_code == 200, r.text
        return str(r.json()["submitted_report_id"]), headers

    async def institution(self, deqar_id: str, **extra: Any) -> str:
        body = {"deqar_id": deqar_id, "name_official": f"Univ {deqar_id}", "country": "SE"}
        r = await self.http.post("/v1/institutions", json={**body, **extra}, headers=self.admin)
        assert r.status_code == 201, r.text
        return str(r.json()["id"])


def report(agency: str, local_id: str, *deqar_ids: str, **extra: Any) -> dict[str, Any]:
    """A DEQAR Submission API v2 report object."""
    return {
        "agency": agency,
        "local_identifier": local_id,
        "activity_type": "institutional",
        "status": "part of obligatory EQA system",
        "decision": "positive",
        "valid_from": "2020-01-01",
        "valid_to": "2025-12-31",
        "institutions": [{"deqar_id": d} for d in deqar_ids],
        **extra,
    }


def offering(**extra: object) -> dict[str, object]:
    """An offering body (a micro-credential specification)."""
    return {
        "title": "Data literacy",
        "learning_outcomes": ["Reads a chart critically"],
        "ects": 3,
        "eqf_level": 6,
        "qf_ehea_cycle": "first",
        "assessment_type": "written-examination",
        "participation_form": "online",
        "language": "en",
        "field_of_study": "0688",
        **extra,
    }


@dataclass
class RegistryProcess:
    """``meriter-registry`` in a process of its own (uvicorn over TCP, relay beside it)."""

    url: str
    pid: int
    dsn: str

    def memory_kib(self) -> dict[str, int]:
        """The process's resident set now (``VmRSS``) and at its peak (``VmHWM``), KiB."""
        found: dict[str, int] = {}
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                found[key] = int(value.split()[0])
        return found


@asynccontextmanager
async def registry_process(
    dsn: str, kafka_bootstrap: str, logs: Path, **env: str
) -> AsyncIterator[RegistryProcess]:
    """A registry serving on a free port until the block ends; ``env`` adds settings."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    environment = {
        **os.environ,
        "REGISTRY_POSTGRES__DSN": dsn,
        "REGISTRY_KAFKA__BOOTSTRAP_SERVERS": kafka_bootstrap,
        "REGISTRY_PORT": str(port),
        "REGISTRY_PUBLIC_BASE_URL": url,
        "REGISTRY_AUTH__ISSUER": url,
        "REGISTRY_AUTH__JWKS_URL": "self",
        "REGISTRY_MASTER_KEY": new_master_key_text(),
        "REGISTRY_LOG_LEVEL": "WARNING",
        **env,
    }
    log_path = logs / f"registry-{port}.log"
    with log_path.open("wb") as log:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "meriter_registry",  # HTTP and relay in one process
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            async with httpx.AsyncClient(base_url=url) as http:
                for _ in range(300):
                    assert proc.returncode is None, log_path.read_text()
                    try:
                        if (await http.get("/readyz")).status_code == 200:
                            break
                    except httpx.HTTPError:
                        pass
                    await asyncio.sleep(0.1)
            yield RegistryProcess(url, proc.pid, dsn)
        finally:
            if proc.returncode is None:
                proc.terminate()
            try:
                await asyncio.wait_for(proc.wait(), timeout=30)
            except TimeoutError:
                proc.kill()
