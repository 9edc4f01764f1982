"""Registry: qa-status lookups per second and p99, and the report import rate.

Seeds 6,000 institutions, 20 agencies and 50,000 reports (each naming one or
two institutions) with COPY, then:

* ``qa_status_service_open_loop``: the same schedule straight into the domain
  service (pool, SQL, rule), i.e. the database path's own cost without HTTP;
* ``qa_status_index_open_loop``: the same schedule against the past-dates
  index (qa/index.py) in process, without HTTP, and how long building it took;
* ``qa_status_uvicorn_tcp_open_loop``: lookups issued on a fixed schedule at
  ``--rate`` per second for ``--seconds`` against ``meriter-registry serve`` in
  its own process(es) (1, then 2 uvicorn workers) over TCP from a bare HTTP
  client, latency measured from each request's scheduled start, so a stall
  shows up as queueing, not hidden; first about random past days (answered
  from the in-memory index once it is built), then about today (the issuer's
  question, answered from the per-process cache once asked); last, 1 worker
  with the index turned off, past days only (the database every time);
* ``qa_status_closed_loop``: as many lookups as 16 concurrent callers get
  through the app in process (ASGI, no TCP);
* ``import``: DEQAR submission objects through ``POST /submissionapi/v2/submit/report``
  with 8 in flight (each: validation, tenant check, version row, outbox row).

Prints one JSON object. Usage: ``python -m bench.registry_bench [--rate N] [--seconds S]``.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import random
import statistics
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from pydantic import SecretStr

from bench.infra import bench_infra
from meriter_local.procs import free_port
from meriter_registry.app import create_app
from meriter_registry.clients import service as clients
from meriter_registry.clients.schemas import ClientIn
from meriter_registry.config import Settings
from meriter_registry.qa import service
from meriter_shared.auth import Principal
from meriter_shared.qa import effective_valid_to
from meriter_shared.secrets import new_master_key_text
from meriter_shared.settings import KafkaSettings, PostgresSettings

N_INST, N_AGENCIES, N_REPORTS = 6_000, 20, 50_000
# The in-process app and the served processes share the database, and so the
# master key its token-signing key is sealed under.
MASTER_KEY = new_master_key_text()
STATUSES = ["part of obligatory EQA system", "voluntary"]
DECISIONS = ["positive", "positive with conditions or restrictions", "negative", "not applicable"]


async def seed(pool: Any) -> list[str]:
    rnd = random.Random(7)
    recorded = datetime.now(UTC) - timedelta(days=1)
    inst = [
        (str(uuid.uuid4()), f"DEQARINST{i:05d}", f"Institution {i}", "SE") for i in range(N_INST)
    ]
    agencies = [(str(uuid.uuid4()), f"AG{i}", f"Agency {i}") for i in range(N_AGENCIES)]
    reports: list[tuple[Any, ...]] = []
    versions: list[tuple[Any, ...]] = []
    links: list[tuple[Any, ...]] = []
    for n in range(N_REPORTS):
        rid = str(uuid.uuid4())
        agency = agencies[n % N_AGENCIES][0]
        vf = date(2012, 1, 1) + timedelta(days=rnd.randrange(0, 4500))
        vt = vf + timedelta(days=365 * rnd.choice([3, 5, 6])) if rnd.random() < 0.7 else None
        until = effective_valid_to(vf, vt)
        reports.append((rid, agency, f"L{n}", 1, None))
        versions.append(
            (rid, 1, agency, "institutional", rnd.choice(STATUSES), rnd.choice(DECISIONS),
             vf, vt, until, recorded, None)
        )  # fmt: skip
        for iid in {inst[rnd.randrange(N_INST)][0] for _ in range(rnd.choice([1, 1, 1, 2]))}:
            links.append((iid, rid, 1))
    async with pool.acquire() as conn:
        await conn.copy_records_to_table(
            "institutions", records=inst, columns=["id", "deqar_id", "name_official", "country"]
        )
        await conn.copy_records_to_table(
            "agencies", records=agencies, columns=["id", "acronym", "name"]
        )
        await conn.copy_records_to_table(
            "agency_registrations",
            records=[(a[0], date(2008, 1, 1), None) for a in agencies],
            columns=["agency_id", "registered_from", "registered_to"],
        )
        await conn.executemany(
            "INSERT INTO agency_versions VALUES ($1, $2, $3)",
            [
                (a[0], recorded - timedelta(days=1), {
                    "id": a[0], "acronym": a[1], "name": a[2],
                    "eqar_registrations": [{"registered_from": "2008-01-01"}],
                })
                for a in agencies
            ],
        )  # fmt: skip
        await conn.copy_records_to_table(
            "reports",
            records=reports,
            columns=["id", "agency_id", "local_identifier", "current_version", "withdrawn_at"],
        )
        # Binary COPY has no jsonb encoder: the empty body comes from a default.
        await conn.execute("ALTER TABLE report_versions ALTER COLUMN body SET DEFAULT '{}'")
        await conn.copy_records_to_table(
            "report_versions",
            records=versions,
            columns=[
                "report_id", "version", "agency_id", "activity_type", "status", "decision",
                "valid_from", "valid_to", "valid_until", "recorded_at", "superseded_at",
            ],
        )  # fmt: skip
        await conn.execute("ALTER TABLE report_versions ALTER COLUMN body DROP DEFAULT")
        await conn.copy_records_to_table("report_institutions", records=links)
        await conn.execute("ANALYZE")
    return [i[1] for i in inst]


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


def summary(lat_s: list[float]) -> dict[str, float]:
    ms = [x * 1000 for x in lat_s]
    return {
        "p50_ms": round(statistics.median(ms), 2),
        "p99_ms": round(pct(ms, 0.99), 2),
        "max_ms": round(max(ms), 2),
    }


async def service_open_loop(pool: Any, ids: list[str], rate: int, seconds: float) -> Any:
    """The same schedule against the domain service (pool, SQL, rule), without HTTP."""
    rnd = random.Random(3)
    lat: list[float] = []
    interval = 1.0 / rate
    start = time.perf_counter()
    tasks = []

    async def one(at: float, key: str) -> None:
        day = date(2013, 1, 1) + timedelta(days=rnd.randrange(0, 4500))
        async with pool.acquire() as conn:
            await service.qa_status(conn, key, day, datetime.now(UTC))
        lat.append(time.perf_counter() - at)

    n = int(rate * seconds)
    for i in range(n):
        at = start + i * interval
        delay = at - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(at, rnd.choice(ids))))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - start
    return {"target_rate": rate, "achieved_rate": round(n / elapsed, 1), "n": n, **summary(lat)}


async def index_open_loop(index: Any, ids: list[str], rate: int, seconds: float) -> Any:
    """The same schedule against the past-dates index, in process, without HTTP."""
    rnd = random.Random(3)
    lat: list[float] = []
    misses = 0
    start = time.perf_counter()
    n = int(rate * seconds)
    for i in range(n):
        at = start + i / rate
        delay = at - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        day = date(2013, 1, 1) + timedelta(days=rnd.randrange(0, 4500))
        answer = index.answer_json(rnd.choice(ids), day, datetime.now(UTC))  # what is sent
        misses += answer is None
        lat.append(time.perf_counter() - at)
    elapsed = time.perf_counter() - start
    return {"target_rate": rate, "achieved_rate": round(n / elapsed, 1), "n": n,
            "misses": misses, **summary(lat)}  # fmt: skip


async def tcp_open_loop(
    port: int, ids: list[str], rate: int, seconds: float, *, dated: bool = True
) -> Any:
    """The schedule against a separate uvicorn process over TCP keep-alive.

    The client is a bare HTTP/1.1 writer/reader so its own cost (a few tens of
    microseconds a request) does not stand in for the server's. ``dated``
    asks about random past days (always the database); otherwise about today,
    the issuer's question, which the registry answers from its cache.
    """
    rnd = random.Random(4)
    tickets: asyncio.Queue[tuple[float, str] | None] = asyncio.Queue()
    lat: list[float] = []
    errors = 0

    async def connection() -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while (ticket := await tickets.get()) is not None:
                at, key = ticket
                day = date(2013, 1, 1) + timedelta(days=rnd.randrange(0, 4500))
                query = f"?on={day}" if dated else ""
                writer.write(
                    f"GET /v1/institutions/{key}/qa-status{query} HTTP/1.1\r\n"
                    "Host: registry\r\n\r\n".encode()
                )
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                await reader.readexactly(length)
                errors += not head.startswith(b"HTTP/1.1 200")
                lat.append(time.perf_counter() - at)
        finally:
            writer.close()

    # The load generator's own collector pauses would be counted as the
    # server's latency: keep it out of the measurement (like wrk, which has none).
    gc.collect()
    gc.disable()
    workers = [asyncio.create_task(connection()) for _ in range(32)]
    n = int(rate * seconds)
    start = time.perf_counter()
    for i in range(n):
        at = start + i / rate
        delay = at - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tickets.put_nowait((at, rnd.choice(ids)))
    for _ in workers:
        tickets.put_nowait(None)
    await asyncio.gather(*workers)
    elapsed = time.perf_counter() - start
    gc.enable()
    return {"target_rate": rate, "achieved_rate": round(n / elapsed, 1), "n": n,
            "errors": errors, **summary(lat)}  # fmt: skip


async def with_server(
    dsn: str,
    bootstrap: str,
    ids: list[str],
    rate: int,
    seconds: float,
    workers: int,
    index: bool = True,
) -> Any:
    """``meriter-registry serve`` with ``workers`` processes: past days, then today
    (``index`` off: past days only)."""
    port = free_port()
    env = {
        **os.environ,
        "REGISTRY_POSTGRES__DSN": dsn,
        "REGISTRY_KAFKA__BOOTSTRAP_SERVERS": bootstrap,
        "REGISTRY_PORT": str(port),
        "REGISTRY_LOG_LEVEL": "WARNING",
        "REGISTRY_WORKERS": str(workers),
        "REGISTRY_MASTER_KEY": MASTER_KEY,
        "REGISTRY_QA_INDEX_ENABLED": "true" if index else "false",
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "meriter_registry", "serve", env=env
    )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            for _ in range(300):
                try:
                    if (await http.get("/readyz")).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.1)
        if index:
            await indexes_built(port, ids)
        await tcp_open_loop(port, ids, min(rate, 200), 2.0)  # warm-up
        past = await tcp_open_loop(port, ids, rate, seconds)
        if not index:
            return {"workers": workers, "index": False, "past_days": past}
        # Today's answers, once asked, are kept until the registry changes:
        # ask each institution once (per worker, roughly), then measure.
        await tcp_open_loop(port, ids * workers, 2000, len(ids) * workers / 2000, dated=False)
        today = await tcp_open_loop(port, ids, rate, seconds, dated=False)
        return {"workers": workers, "index": True, "past_days": past, "today": today}
    finally:
        proc.terminate()
        await asyncio.wait_for(proc.wait(), timeout=30)


async def indexes_built(port: int, ids: list[str], within_s: float = 60.0) -> None:
    """Until past-day lookups are answered from memory by every worker (each builds
    its index after it starts): 100 lookups in a row, each under 5 ms."""
    rnd = random.Random(5)
    deadline = time.monotonic() + within_s
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
        while time.monotonic() < deadline:
            slow = 0
            for _ in range(100):
                day = date(2013, 1, 1) + timedelta(days=rnd.randrange(0, 4500))
                t0 = time.perf_counter()
                await http.get(f"/v1/institutions/{rnd.choice(ids)}/qa-status?on={day}")
                slow += time.perf_counter() - t0 > 0.005
            if slow == 0:
                return
            await asyncio.sleep(0.5)


async def closed_loop(http: httpx.AsyncClient, ids: list[str], seconds: float) -> Any:
    rnd = random.Random(2)
    lat: list[float] = []
    stop = time.perf_counter() + seconds

    async def worker() -> None:
        while time.perf_counter() < stop:
            t0 = time.perf_counter()
            await http.get(f"/v1/institutions/{rnd.choice(ids)}/qa-status?on=2020-06-01")
            lat.append(time.perf_counter() - t0)

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(16)))
    return {"lookups_per_s": round(len(lat) / (time.perf_counter() - t0), 1), **summary(lat)}


async def import_rate(http: httpx.AsyncClient, ids: list[str], n: int) -> Any:
    bodies = [
        {
            "agency": "AG0",
            "local_identifier": f"imp-{i}",
            "activity_type": "institutional",
            "status": "part of obligatory EQA system",
            "decision": "positive",
            "valid_from": "2021-01-01",
            "institutions": [{"deqar_id": ids[i % len(ids)]}],
            "report_links": [{"link": f"https://agency.example/r/{i}"}],
        }
        for i in range(n)
    ]
    sem = asyncio.Semaphore(8)
    failures = 0

    async def one(body: dict[str, Any]) -> None:
        nonlocal failures
        async with sem:
            r = await http.post("/submissionapi/v2/submit/report", json=body)
            failures += r.status_code != 200

    t0 = time.perf_counter()
    await asyncio.gather(*(one(b) for b in bodies))
    elapsed = time.perf_counter() - t0
    return {"reports": n, "failures": failures, "reports_per_s": round(n / elapsed, 1)}


async def run(rate: int, seconds: float) -> dict[str, Any]:
    with bench_infra("registry") as infra:
        settings = Settings(
            postgres=PostgresSettings(dsn=infra.dsn("registry"), pool_max=20),
            kafka=KafkaSettings(bootstrap_servers=infra.bootstrap),
            log_level="WARNING",
            master_key=SecretStr(MASTER_KEY),
        )
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            pool = app.state.runtime.pool
            t0 = time.perf_counter()
            ids = await seed(pool)
            seed_s = time.perf_counter() - t0
            async with pool.acquire() as conn:
                admin = await clients.create_client(
                    conn, ClientIn(name="bench", role="admin"), Principal.system("bench")
                )
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://registry") as http:
                tok = await http.post(
                    "/v1/oauth/token",
                    data={
                        "grant_type": "client_credentials",
                        "client_id": admin.client_id,
                        "client_secret": admin.client_secret,
                    },
                )
                http.headers["Authorization"] = f"Bearer {tok.json()['access_token']}"
                # COPY announces nothing: tell the index the register changed under it
                # (after the bench's own client, whose creation is announced).
                index = app.state.registry.qa_index
                index.invalidate()
                assert await index.wait_ready(120), "the qa-status index was not built"
                await closed_loop(http, ids, 1.0)  # warm-up: plans, pool, caches
                result = {
                    "dataset": {"institutions": N_INST, "reports": N_REPORTS,
                                "seed_s": round(seed_s, 1)},
                    "qa_status_service_open_loop": await service_open_loop(
                        pool, ids, rate, seconds
                    ),
                    "qa_status_index_open_loop": {
                        **await index_open_loop(index, ids, rate, seconds),
                        "build": index.stats(),
                    },
                    "qa_status_uvicorn_tcp_open_loop": [
                        *[
                            await with_server(
                                infra.dsn("registry"), infra.bootstrap, ids, rate, seconds, w
                            )
                            for w in (1, 2)
                        ],
                        await with_server(
                            infra.dsn("registry"), infra.bootstrap, ids, rate, seconds, 1,
                            index=False,
                        ),
                    ],
                    "load_before": os.getloadavg(),
                    "qa_status_closed_loop": await closed_loop(http, ids, seconds),
                    "import": await import_rate(http, ids, 2000),
                    "path": "Postgres and Tansu local, client and server on the same 2 cores",
                }  # fmt: skip
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args.rate, args.seconds)), indent=2))


if __name__ == "__main__":
    main()
