"""A hostile CSV submission, against a registry in its own uvicorn process.

Hundreds of thousands of malformed rows in a 50 MB body, sent as a stream:
the registry answers one 4xx listing the first 100 errors and counting the
rest, saves nothing, and its peak memory grows by far less than the body's
size — it holds one record at a time, not the file. The test asserts memory
and correctness only; how long the upload takes, and how fast the process
answers meanwhile, are for the benchmarks (``bench/registry_csv_bench.py``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
from registry.registry_support import RegistryProcess, registry_process
from registry.rules_support import SYSTEM, an_agency, an_institution

from meriter_registry.clients import service as clients
from meriter_registry.clients.schemas import ClientIn
from meriter_shared.db.pool import create_pool
from meriter_shared.settings import PostgresSettings

MIB = 2**20
HEADER = (
    b"agency,local_identifier,activity_type,status,decision,valid_from,"
    b"institution[1].deqar_id,summary\n"
)
# One row of each kind a hostile file holds, about 250 bytes each.
PAD = b"x" * 140
ROWS = (
    b"AAA,r%d,institutional,sometimes,maybe,2020-13-45,DEQARINST0001," + PAD + b"\n",  # fields
    b"AAA,r%d,institutional,\xff\xfe,positive,2020-01-01,DEQARINST0001," + PAD + b"\n",  # UTF-8
    b"AAA,r%d,institutional,vol\x00untary,positive,2020-01-01,DEQARINST0001," + PAD + b"\n",
    b"AAA,r%d,institutional,voluntary,positive,2020-01-01,DEQARINST0001,x,y,z," + PAD + b"\n",
    b'AAA,r%d,institutional,"voluntary"x,positive,2020-01-01,DEQARINST0001,' + PAD + b"\n",
)


async def hostile_csv(total_bytes: int, counter: list[int]) -> AsyncIterator[bytes]:
    """``total_bytes`` of CSV, every row malformed, in 64 KiB chunks; counts rows."""
    sent, n, chunk = len(HEADER), 0, bytearray(HEADER)
    while sent < total_bytes:
        row = ROWS[n % len(ROWS)] % n
        chunk += row
        sent += len(row)
        n += 1
        if len(chunk) >= 65_536:
            yield bytes(chunk)
            chunk.clear()
    counter.append(n)
    yield bytes(chunk)


async def agency_token(registry: RegistryProcess) -> dict[str, str]:
    pool = await create_pool(PostgresSettings(dsn=registry.dsn))
    try:
        async with pool.acquire() as conn:
            agency_id = await an_agency(conn, "AAA")
            await an_institution(conn, "DEQARINST0001")
            client = await clients.create_client(
                conn, ClientIn(name="uploader", role="agency", tenant_id=agency_id), SYSTEM
            )
    finally:
        await pool.close()
    async with httpx.AsyncClient(base_url=registry.url) as http:
        r = await http.post(
            "/v1/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": client.client_id,
                "client_secret": client.client_secret,
            },
        )
        assert r.status_code == 200, r.text
        return {"Authorization": f"Bearer {r.json()['access_token']}", "Content-Type": "text/csv"}


async def test_a_50_mb_hostile_csv_is_refused_with_capped_errors_in_bounded_memory(
    fresh_db: str, kafka_bootstrap: str, tmp_path: Path
) -> None:
    async with registry_process(fresh_db, kafka_bootstrap, tmp_path) as registry:
        headers = await agency_token(registry)
        async with httpx.AsyncClient(base_url=registry.url, timeout=120) as http:
            # Warm-up: every code path of a refused submission has run once.
            warm = await http.post(
                "/submissionapi/v2/submit/csv", content=hostile_csv(MIB, []), headers=headers
            )
            assert warm.status_code == 422, warm.text
            before = registry.memory_kib()
            rows: list[int] = []
            answer = await http.post(
                "/submissionapi/v2/submit/csv",
                content=hostile_csv(50 * MIB, rows),
                headers=headers,
            )
            after = registry.memory_kib()
            listed = await http.get("/v1/reports")

    assert answer.status_code == 422, answer.text[:2000]
    problem = answer.json()
    assert problem["records"] == rows[0] > 180_000
    assert problem["rejected_records"] == rows[0]
    assert len(problem["errors"]) == 100
    assert problem["errors_total"] >= rows[0]
    assert problem["errors_omitted"] == problem["errors_total"] - 100
    assert listed.json()["results"] == []
    growth_mib = (after["VmHWM"] - before["VmHWM"]) / 1024
    print(  # the figures, for whoever runs this by hand with -s
        f"\nhostile CSV: {rows[0]} rows, 50 MiB; peak RSS "
        f"{before['VmHWM'] / 1024:.1f} -> {after['VmHWM'] / 1024:.1f} MiB (+{growth_mib:.1f})"
    )
    assert growth_mib < 100
