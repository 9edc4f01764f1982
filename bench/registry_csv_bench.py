"""Registry: memory and liveness under a hostile 50 MB CSV submission.

Starts ``meriter-registry`` (uvicorn, HTTP and relay in one process) on a
throw-away Postgres and Tansu, then streams ``--mib`` MiB of CSV whose every
row is malformed (bad fields, bad UTF-8, a NUL, too many cells, broken
quoting) to ``POST /submissionapi/v2/submit/csv`` while probing ``/healthz``
every 50 ms and sampling the server's resident memory every 20 ms.

Prints one JSON object: rows sent, seconds, the answer's status and error
counts, the server's RSS before, at its sampled peak and after, its
high-water mark (VmHWM) before and after, and the /healthz latencies.
Usage: ``python -m bench.registry_csv_bench [--mib 50]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx

from bench.infra import bench_infra
from meriter_local.procs import free_port
from meriter_registry.agencies import service as agencies
from meriter_registry.agencies.schemas import AgencyIn
from meriter_registry.clients import service as clients
from meriter_registry.clients.schemas import ClientIn
from meriter_registry.institutions import service as institutions
from meriter_registry.institutions.schemas import InstitutionIn
from meriter_shared.auth import Principal
from meriter_shared.db.pool import create_pool
from meriter_shared.secrets import new_master_key_text
from meriter_shared.settings import PostgresSettings

MIB = 2**20
HEADER = (
    b"agency,local_identifier,activity_type,status,decision,valid_from,"
    b"institution[1].deqar_id,summary\n"
)
PAD = b"x" * 140
ROWS = (
    b"AG,r%d,institutional,sometimes,maybe,2020-13-45,DEQARINST0001," + PAD + b"\n",
    b"AG,r%d,institutional,\xff\xfe,positive,2020-01-01,DEQARINST0001," + PAD + b"\n",
    b"AG,r%d,institutional,vol\x00untary,positive,2020-01-01,DEQARINST0001," + PAD + b"\n",
    b"AG,r%d,institutional,voluntary,positive,2020-01-01,DEQARINST0001,x,y,z," + PAD + b"\n",
    b'AG,r%d,institutional,"voluntary"x,positive,2020-01-01,DEQARINST0001,' + PAD + b"\n",
)


async def hostile_csv(total: int, counter: list[int]) -> AsyncIterator[bytes]:
    sent, n, chunk = len(HEADER), 0, bytearray(HEADER)
    while sent < total:
        row = ROWS[n % len(ROWS)] % n
        chunk += row
        sent += len(row)
        n += 1
        if len(chunk) >= 65_536:
            yield bytes(chunk)
            chunk.clear()
    counter.append(n)
    yield bytes(chunk)


def memory_kib(pid: int) -> dict[str, int]:
    found: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = int(value.split()[0])
    return found


async def agency_headers(dsn: str, url: str) -> dict[str, str]:
    pool = await create_pool(PostgresSettings(dsn=dsn))
    system = Principal.system("bench")
    try:
        async with pool.acquire() as conn:
            agency = await agencies.register_agency(
                conn, AgencyIn(acronym="AG", name="Bench agency"), system
            )
            await institutions.register_institution(
                conn,
                InstitutionIn(deqar_id="DEQARINST0001", name_official="Bench", country="SE"),
                system,
            )
            client = await clients.create_client(
                conn, ClientIn(name="bench", role="agency", tenant_id=agency.id), system
            )
    finally:
        await pool.close()
    async with httpx.AsyncClient(base_url=url) as http:
        r = await http.post(
            "/v1/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": client.client_id,
                "client_secret": client.client_secret,
            },
        )
        r.raise_for_status()
    return {"Authorization": f"Bearer {r.json()['access_token']}", "Content-Type": "text/csv"}


async def measure(dsn: str, bootstrap: str, mib: int) -> dict[str, Any]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "REGISTRY_POSTGRES__DSN": dsn,
        "REGISTRY_KAFKA__BOOTSTRAP_SERVERS": bootstrap,
        "REGISTRY_PORT": str(port),
        "REGISTRY_PUBLIC_BASE_URL": url,
        "REGISTRY_AUTH__ISSUER": url,
        "REGISTRY_AUTH__JWKS_URL": "self",
        "REGISTRY_MASTER_KEY": new_master_key_text(),
        "REGISTRY_LOG_LEVEL": "WARNING",
    }
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "meriter_registry", env=env)
    try:
        async with httpx.AsyncClient(base_url=url, timeout=300) as http:
            for _ in range(600):
                try:
                    if (await http.get("/readyz")).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.1)
            headers = await agency_headers(dsn, url)
            warm = await http.post(
                "/submissionapi/v2/submit/csv", content=hostile_csv(MIB, []), headers=headers
            )
            before = memory_kib(proc.pid)
            rows: list[int] = []
            started = time.perf_counter()
            upload = asyncio.create_task(
                http.post(
                    "/submissionapi/v2/submit/csv",
                    content=hostile_csv(mib * MIB, rows),
                    headers=headers,
                )
            )
            peak_rss = before["VmRSS"]
            health: list[float] = []

            async def sample() -> None:
                nonlocal peak_rss
                while not upload.done():
                    peak_rss = max(peak_rss, memory_kib(proc.pid)["VmRSS"])
                    await asyncio.sleep(0.02)

            sampler = asyncio.create_task(sample())
            async with httpx.AsyncClient(base_url=url, timeout=10) as probe:
                while not upload.done():
                    t0 = time.perf_counter()
                    await probe.get("/healthz")
                    health.append(time.perf_counter() - t0)
                    await asyncio.sleep(0.05)
            answer = await upload
            seconds = time.perf_counter() - started
            await sampler
            after = memory_kib(proc.pid)
    finally:
        proc.terminate()
        await asyncio.wait_for(proc.wait(), timeout=30)
    problem = answer.json()
    health.sort()
    return {
        "body_mib": mib,
        "rows": rows[0],
        "seconds": round(seconds, 1),
        "warm_up_status": warm.status_code,
        "status": answer.status_code,
        "records": problem.get("records"),
        "errors_listed": len(problem.get("errors", [])),
        "errors_total": problem.get("errors_total"),
        "rss_mib": {
            "before": round(before["VmRSS"] / 1024, 1),
            "sampled_peak": round(peak_rss / 1024, 1),
            "after": round(after["VmRSS"] / 1024, 1),
        },
        "hwm_mib": {
            "before": round(before["VmHWM"] / 1024, 1),
            "after": round(after["VmHWM"] / 1024, 1),
        },
        "healthz": {
            "answered": len(health),
            "p50_ms": round(health[len(health) // 2] * 1000, 1),
            "max_ms": round(health[-1] * 1000, 1),
        },
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mib", type=int, default=50)
    args = parser.parse_args()
    with bench_infra("registry") as infra:
        result = asyncio.run(measure(infra.dsn("registry"), infra.bootstrap, args.mib))
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
