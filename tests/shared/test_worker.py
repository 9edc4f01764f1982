"""Worker processes: roles of a runtime, heartbeats, the probe server, the CPU pool."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

import httpx
import pytest

from meriter_shared.cpu import CpuPool
from meriter_shared.db.types import Connection
from meriter_shared.events.topics import Topics
from meriter_shared.messaging.consumer import Delivery, TransientError, on_batch
from meriter_shared.runtime import ConsumerSpec, Runtime
from meriter_shared.settings import PostgresSettings, ServiceSettings
from meriter_shared.worker import probe_app, run_worker
from support.contracts import ThingHappened
from support.cpu_work import burn, mark_started
from support.kafka import kafka_settings
from support.stack import pid_alive
from support.waiting import eventually

SUPPORT = Path(__file__).resolve().parents[1] / "support"


def settings(dsn: str, bootstrap: str, role: str) -> ServiceSettings:
    return ServiceSettings(
        service_name="kernel-test",
        postgres=PostgresSettings(dsn=dsn),
        kafka=kafka_settings(bootstrap),
        process_role=role,
        cpu_processes=1,
    )


async def _ignore(conn: Connection, batch: Sequence[Delivery[ThingHappened]]) -> None:
    return None


def consumers() -> list[ConsumerSpec]:
    return [
        ConsumerSpec(
            name="kernel-test.things",
            topics=[Topics.REGISTRY],
            handlers=[on_batch(ThingHappened, _ignore)],
        )
    ]


async def test_an_http_process_runs_no_consumers_and_is_ready_only_with_a_live_worker(
    fresh_db: str, kafka_bootstrap: str
) -> None:
    serve = Runtime(
        settings(fresh_db, kafka_bootstrap, "serve"),
        migrations="meriter_shared",
        consumers=consumers(),
    )
    await serve.start()
    try:
        assert serve.consumers == []
        assert serve.relay is None
        assert await serve.readiness() == {"postgres": True, "workers": False}

        worker = Runtime(
            settings(fresh_db, kafka_bootstrap, "worker"),
            migrations="meriter_shared",
            consumers=consumers(),
        )
        stop = asyncio.Event()
        running = asyncio.create_task(run_worker(worker, stop=stop))
        await eventually(serve.readiness, lambda c: c["workers"], timeout_s=60)
        assert len(worker.consumers) == 1
        assert worker.relay is not None
        stop.set()
        await running
        # A worker that stopped takes its heartbeat with it.
        assert await serve.readiness() == {"postgres": True, "workers": False}
    finally:
        await serve.stop()


async def test_a_worker_answers_its_probes_and_metrics(fresh_db: str, kafka_bootstrap: str) -> None:
    worker = Runtime(
        settings(fresh_db, kafka_bootstrap, "worker"), migrations="meriter_shared", consumers=[]
    )
    await worker.start()
    try:
        transport = httpx.ASGITransport(app=probe_app(worker))
        async with httpx.AsyncClient(transport=transport, base_url="http://worker") as client:
            ready = await client.get("/readyz")
            metrics = await client.get("/metrics")
        assert ready.status_code == 200, ready.text
        assert ready.json()["checks"] == {"postgres": True, "kafka": True, "consumers": True}
        assert metrics.status_code == 200
        assert "meriter_outbox_pending" in metrics.text
    finally:
        await worker.stop()


async def test_cpu_bound_work_runs_in_another_process_while_the_loop_stays_free() -> None:
    pool = CpuPool(1)
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    beating = asyncio.create_task(ticker())
    try:
        pid, total = await pool.run(burn, 3_000_000)
    finally:
        beating.cancel()
        pool.close()
    assert pid != os.getpid()
    assert total == sum(i * i % 7 for i in range(3_000_000))
    assert ticks > 5  # the loop kept running while the pool worked


async def test_a_warmed_pool_has_every_process_running_before_any_work() -> None:
    pool = CpuPool(2)
    try:
        pids = await pool.warm()
        assert len(pids) == 2
        assert os.getpid() not in pids
        # The work that follows finds them: no process is started for it.
        done = {(await pool.run(burn, 10))[0] for _ in range(4)}
        assert done <= set(pids)
    finally:
        pool.close()


async def test_a_worker_starts_the_cpu_pool_its_service_brings_before_consuming(
    fresh_db: str, kafka_bootstrap: str, tmp_path: Path
) -> None:
    brought = CpuPool(2, initializer=mark_started, initargs=(str(tmp_path),))
    worker = Runtime(
        settings(fresh_db, kafka_bootstrap, "worker"),
        migrations="meriter_shared",
        consumers=consumers(),
        cpu=brought,
    )
    await worker.start()
    try:
        assert len(os.listdir(tmp_path)) == 2  # both processes up, no work sent yet
    finally:
        await worker.stop()
    # An HTTP process does not start it.
    serve = Runtime(
        settings(fresh_db, kafka_bootstrap, "serve"),
        migrations="meriter_shared",
        cpu=CpuPool(1, initializer=mark_started, initargs=(str(tmp_path / "serve"),)),
    )
    await serve.start()
    await serve.stop()
    assert "serve" not in os.listdir(tmp_path)


async def test_a_killed_pool_owner_leaves_no_pool_process_behind() -> None:
    script = SUPPORT / "cpu_owner.py"
    owner = await asyncio.create_subprocess_exec(
        sys.executable, str(script), stdout=asyncio.subprocess.PIPE
    )
    assert owner.stdout is not None
    child = int((await asyncio.wait_for(owner.stdout.readline(), 60)).decode())
    assert pid_alive(child)
    owner.kill()
    await owner.wait()
    assert (
        await eventually(
            lambda: asyncio.sleep(0, result=pid_alive(child)), lambda alive: not alive, timeout_s=10
        )
        is False
    )


async def test_a_pool_owner_that_dies_while_its_pool_process_starts_leaves_no_orphan() -> None:
    owner = await asyncio.create_subprocess_exec(
        sys.executable, str(SUPPORT / "cpu_owner.py"), "--die-early", stdout=asyncio.subprocess.PIPE
    )
    assert owner.stdout is not None
    child = int((await asyncio.wait_for(owner.stdout.readline(), 60)).decode())
    await owner.wait()
    assert (
        await eventually(
            lambda: asyncio.sleep(0, result=pid_alive(child)), lambda alive: not alive, timeout_s=30
        )
        is False
    )


async def test_a_pool_that_lost_a_process_fails_as_transient_and_recovers() -> None:
    pool = CpuPool(1)
    try:
        pid, _ = await pool.run(burn, 10)
        os.kill(pid, signal.SIGKILL)
        with pytest.raises(TransientError):
            await pool.run(burn, 10)
        again, total = await pool.run(burn, 10)
        assert again != pid
        assert total == sum(i * i % 7 for i in range(10))
    finally:
        pool.close()


async def test_a_background_task_runs_only_in_the_worker_restarts_after_failing_and_stops_with_it(
    fresh_db: str, kafka_bootstrap: str
) -> None:
    runs: list[str] = []
    stopped = asyncio.Event()

    async def sender(runtime: Runtime) -> None:
        runs.append(runtime.role)
        if len(runs) == 1:
            raise RuntimeError("the first run fails")
        try:
            await asyncio.Event().wait()
        finally:
            stopped.set()

    serve = Runtime(
        settings(fresh_db, kafka_bootstrap, "serve"),
        migrations="meriter_shared",
        tasks=[("sender", sender)],
    )
    await serve.start()
    await serve.stop()
    assert runs == []  # an HTTP process runs no background task
    worker = Runtime(
        settings(fresh_db, kafka_bootstrap, "worker"),
        migrations="meriter_shared",
        tasks=[("sender", sender)],
    )
    await worker.start()
    try:
        await eventually(lambda: asyncio.sleep(0, len(runs)), lambda n: n == 2, timeout_s=10)
        assert (await worker.worker_checks())["tasks"] is True
    finally:
        await worker.stop()
    assert stopped.is_set()
    assert worker.tasks == {}
