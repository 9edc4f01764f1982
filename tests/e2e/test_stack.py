"""End to end through the running platform, started as ``make up`` starts it."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import signal
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from support.stack import SERVICES, RunningStack, http_status, new_stack, pid_alive
from support.waiting import eventually


def external_kafka(request: pytest.FixtureRequest) -> str | None:
    """Apache Kafka from testcontainers in that profile; else the stack's own Tansu."""
    if os.environ.get("MERITER_TEST_KAFKA") == "testcontainers":
        return str(request.getfixturevalue("kafka_bootstrap"))
    return None


@pytest.fixture(scope="module")
def stack(workdir: Path, request: pytest.FixtureRequest) -> Iterator[RunningStack]:
    s = new_stack(workdir / "stack-e2e", external_kafka(request))
    s.start()
    yield s
    if s.process is not None:
        s.stop()


def test_every_service_answers_healthz_and_readyz(stack: RunningStack) -> None:
    for service in SERVICES:
        assert http_status(stack.url(service) + "/healthz") == 200, service
        assert http_status(stack.url(service) + "/readyz") == 200, service


def test_every_service_exposes_prometheus_metrics(stack: RunningStack) -> None:
    for service in SERVICES:
        assert http_status(stack.url(service) + "/metrics") == 200, service


def test_each_service_runs_its_workers_in_a_process_of_their_own(stack: RunningStack) -> None:
    pids = dict(stack.info["pids"])  # type: ignore[call-overload]
    for service in SERVICES:
        assert pids[f"{service}-worker"] != pids[service]
        assert http_status(stack.worker_url(service) + "/readyz") == 200, service
        assert http_status(stack.worker_url(service) + "/metrics") == 200, service


def test_on_one_machine_the_mail_worker_yields_the_cores_to_issuance(stack: RunningStack) -> None:
    """The notifier's worker and the SMTP sink run at nice 10 (mail may trail a
    burst; credentials may not); every other process at the stack's own priority."""
    pids = json.loads((stack.state_dir / "stack.json").read_text())["pids"]
    mine = os.getpriority(os.PRIO_PROCESS, 0)
    for name in (*SERVICES, *(f"{s}-worker" for s in SERVICES), "mail-sink"):
        lags = name in ("notifier-worker", "mail-sink")
        expected = min(19, mine + 10) if lags else mine
        assert os.getpriority(os.PRIO_PROCESS, pids[name]) == expected, name
        # One session, so one scheduling group where the kernel groups sessions
        # (autogroup): inside it a nice counts, and no service's processes
        # share one group's weight.
        assert os.getsid(pids[name]) == os.getsid(0), name
        assert os.getpgid(pids[name]) == pids[name], name


def test_the_http_process_is_ready_only_with_a_live_worker(stack: RunningStack) -> None:
    with httpx.Client(base_url=stack.url("issuer")) as client:
        checks = client.get("/readyz").json()["checks"]
    assert checks == {"postgres": True, "workers": True}


def test_make_up_creates_a_master_key_only_its_owner_can_read(stack: RunningStack) -> None:
    key_file = stack.state_dir / "master.key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert len(key_file.read_text().strip()) == 44  # 32 bytes, base64


def test_make_up_writes_an_admin_client_only_its_owner_can_read(stack: RunningStack) -> None:
    secret_file = stack.state_dir / "admin-client.json"
    assert secret_file.stat().st_mode & 0o777 == 0o600
    assert stack.admin_token().count(".") == 2  # a JWT the registry issued for it


async def test_writes_without_a_token_are_refused(stack: RunningStack) -> None:
    async with httpx.AsyncClient(base_url=stack.url("registry")) as client:
        response = await client.post(
            "/v1/institutions", json={"name_official": "X", "country": "SE"}
        )
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


async def institutions_in_issuer(stack: RunningStack) -> dict[str, int]:
    conn = await asyncpg.connect(stack.pg_dsn_base + "/issuer")
    try:
        rows = await conn.fetch("SELECT institution_id, applied_count FROM registry_institutions")
    finally:
        await conn.close()
    return {r["institution_id"]: r["applied_count"] for r in rows}


async def test_an_institution_registered_reaches_the_issuer_projection(stack: RunningStack) -> None:
    headers = {"Authorization": f"Bearer {stack.admin_token()}"}
    async with httpx.AsyncClient(base_url=stack.url("registry"), headers=headers) as client:
        response = await client.post(
            "/v1/institutions",
            json={
                "deqar_id": "DEQARINST0042",
                "name_official": "Lunds universitet",
                "country": "SE",
            },
        )
    assert response.status_code == 201, response.text
    institution_id = response.json()["id"]
    seen = await eventually(lambda: institutions_in_issuer(stack), lambda m: institution_id in m)
    assert seen[institution_id] == 1


def test_tokens_name_the_registry_at_its_actual_address(stack: RunningStack) -> None:
    payload = stack.admin_token().split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert claims["iss"] == stack.url("registry")


def _connections_per_process(pids: list[int], port: int) -> dict[int, int]:
    """How many established TCP connections to ``port`` each of ``pids`` holds (/proc)."""
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as lines:
            for line in list(lines)[1:]:
                fields = line.split()
                local_port = int(fields[1].rsplit(":", 1)[1], 16)
                if local_port == port and fields[3] == "01":  # ESTABLISHED
                    inodes.add(fields[9])
    found: dict[int, int] = {}
    for pid in pids:
        held = 0
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:[") and target[8:-1] in inodes:
                held += 1
        found[pid] = held
    return found


def _http_processes(service_pid: int) -> list[int]:
    children = Path(f"/proc/{service_pid}/task/{service_pid}/children").read_text().split()
    # multiprocessing's spawned processes (not its resource tracker)
    return [int(c) for c in children if "spawn_main" in Path(f"/proc/{c}/cmdline").read_text()]


async def test_the_verifiers_http_processes_share_connections_and_come_back_when_killed(
    stack: RunningStack,
) -> None:
    """One HTTP process per core, each on its own SO_REUSEPORT socket: a burst of
    keep-alive connections is spread over them, and a killed one is replaced."""
    # stack.json as it is now: an earlier test may have had a service restarted
    pids = json.loads((stack.state_dir / "stack.json").read_text())["pids"]
    processes = _http_processes(pids["verifier"])
    if len(processes) < 2:
        pytest.skip("one core: the verifier runs one HTTP process")
    port = int(stack.url("verifier").rsplit(":", 1)[1])
    clients = [httpx.AsyncClient(base_url=stack.url("verifier")) for _ in range(32)]
    try:
        await asyncio.gather(*(c.get("/healthz") for c in clients))
        held = _connections_per_process(processes, port)
        assert sum(held.values()) == 32
        assert all(n > 0 for n in held.values()), held
    finally:
        for c in clients:
            await c.aclose()
    os.kill(processes[0], signal.SIGKILL)

    async def replaced() -> list[int]:
        return _http_processes(pids["verifier"])

    again = await eventually(
        replaced, lambda now: len(now) == len(processes) and processes[0] not in now
    )
    assert processes[1] in again
    assert await eventually(
        lambda: asyncio.to_thread(http_status, stack.url("verifier") + "/healthz"),
        lambda status: status == 200,
    )


async def test_a_service_process_that_dies_is_started_again(stack: RunningStack) -> None:
    pids = dict(stack.info["pids"])  # type: ignore[call-overload]
    os.kill(pids["issuer-worker"], signal.SIGKILL)
    await eventually(
        lambda: asyncio.to_thread(http_status_or_none, stack.worker_url("issuer") + "/readyz"),
        lambda status: status is None,
        timeout_s=10,
    )
    assert await eventually(
        lambda: asyncio.to_thread(http_status_or_none, stack.worker_url("issuer") + "/readyz"),
        lambda status: status == 200,
        timeout_s=60,
    )
    out = (stack.state_dir / "stack-stdout.log").read_text()
    assert "issuer-worker exited with -9" in out
    assert "issuer-worker started again (restart 1)" in out
    assert stack.process is not None
    assert stack.process.poll() is None  # the stack stayed up


def http_status_or_none(url: str) -> int | None:
    try:
        return http_status(url)
    except OSError:
        return None


def test_sigterm_stops_every_process_the_stack_started(stack: RunningStack) -> None:
    info = json.loads((stack.state_dir / "stack.json").read_text())  # current, after restarts
    pids = dict(info["pids"])
    workers = {f"{s}-worker" for s in SERVICES}
    assert set(pids) == {
        *SERVICES,
        *workers,
        "mail-sink",
        "postgres",
        *(["kafka"] if stack.on_tansu else []),
    }
    assert all(pid_alive(p) for p in pids.values())
    assert stack.stop(signal.SIGTERM)
    assert [name for name, pid in pids.items() if pid_alive(pid)] == []


async def test_restarting_the_stack_mid_stream_loses_no_accepted_event(
    workdir: Path, request: pytest.FixtureRequest
) -> None:
    stack = new_stack(workdir / "stack-restart", external_kafka(request))
    stack.start()
    accepted: list[str] = []
    stop_posting = asyncio.Event()

    async def post_forever() -> None:
        n = 0
        headers = {"Authorization": f"Bearer {stack.admin_token()}"}
        async with httpx.AsyncClient(timeout=5, headers=headers) as client:
            while not stop_posting.is_set():
                n += 1
                try:
                    r = await client.post(
                        stack.url("registry") + "/v1/institutions",
                        json={"name_official": f"Högskola {n}", "country": "SE"},
                    )
                except httpx.HTTPError:
                    await asyncio.sleep(0.05)  # the stack is down: not accepted
                    continue
                if r.status_code == 201:
                    accepted.append(r.json()["id"])

    poster = asyncio.create_task(post_forever())
    try:
        await eventually(lambda: asyncio.sleep(0, result=len(accepted)), lambda n: n >= 30)
        # Some of them are on the broker already (so the restart has something to replay).
        await eventually(lambda: registry_counter(stack, "meriter_outbox_published_total"), bool)
        # Stop mid-stream: requests are in flight, events are in the outbox and
        # on the (in-memory) broker, which forgets everything.
        assert await asyncio.to_thread(stack.stop, signal.SIGTERM)
        before_restart = len(accepted)
        restarted_at = datetime.now(UTC)
        await asyncio.to_thread(stack.start)
        await eventually(
            lambda: asyncio.sleep(0, result=len(accepted)), lambda n: n >= before_restart + 30
        )
    finally:
        stop_posting.set()
        await poster
    try:
        final = await eventually(
            lambda: institutions_in_issuer(stack),
            lambda m: set(accepted) <= set(m),
            timeout_s=90,
        )
        assert sorted(final) == sorted(accepted)  # nothing lost, nothing invented
        assert set(final.values()) == {1}  # each applied exactly once, replays recognised
        if not stack.on_tansu:
            return
        # The fresh broker had lost the earlier events: the relay (in the registry
        # worker) published them again.
        # At most every event the registry had written before the restart (the
        # admin client's among them): one accepted just before the stop may not
        # have left the outbox yet, and goes out for the first time, not again.
        conn = await asyncpg.connect(stack.pg_dsn_base + "/registry")
        try:
            written = await conn.fetchval(
                "SELECT count(*) FROM outbox_log WHERE created_at < $1", restarted_at
            )
        finally:
            await conn.close()
        assert written >= before_restart
        replayed = await registry_counter(stack, "meriter_outbox_replayed_total")
        assert 1 <= replayed <= written
    finally:
        stack.stop()


async def registry_counter(stack: RunningStack, name: str) -> float:
    """The sum over labels of a counter of the registry worker (0 when it has none yet)."""
    async with httpx.AsyncClient() as client:
        metrics = (await client.get(stack.worker_url("registry") + "/metrics")).text
    families = text_string_to_metric_families(metrics)
    return sum(s.value for family in families for s in family.samples if s.name == name)
