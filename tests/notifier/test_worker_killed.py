"""A notifier worker killed mid-batch and started again: no mail lost, none twice.

The worker runs as ``meriter-notifier worker`` does, in a process of its
own, on the session broker (a topic and consumer group of this test's own)
and a fresh database; the relay is a real SMTP server slowed a little so
the kill lands while mail is being consumed, claimed and sent.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import uuid
from pathlib import Path
from typing import Any

from notifier.notifier_support import MASTER_KEY, Sink, issued

from meriter_shared.db.pool import create_pool
from meriter_shared.events.envelope import CloudEvent, encode
from meriter_shared.messaging.kafka import create_producer, ensure_topics
from meriter_shared.settings import PostgresSettings
from support.kafka import kafka_settings
from support.waiting import eventually


class Slow:
    def __init__(self, store: Any) -> None:
        self.store = store

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await asyncio.sleep(0.01)
        result: str = await self.store.handle_DATA(server, session, envelope)
        return result


async def start_worker(env: dict[str, str], log: Path) -> asyncio.subprocess.Process:
    with log.open("ab") as out:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "meriter_notifier", "worker", env=env, stdout=out, stderr=out
        )


async def test_a_worker_killed_mid_batch_and_restarted_loses_no_mail_and_sends_none_twice(
    fresh_db: str, kafka_bootstrap: str, tmp_path: Path
) -> None:
    topic = f"notifier-kill.{uuid.uuid4().hex[:8]}.events"
    kafka = kafka_settings(kafka_bootstrap)
    await ensure_topics(kafka, [topic], partitions=2)
    sink = Sink(tmp_path / "mail")
    sink.handler = Slow(sink.store)
    sink.start()
    env = {
        **os.environ,
        "NOTIFIER_POSTGRES__DSN": fresh_db,
        "NOTIFIER_KAFKA__BOOTSTRAP_SERVERS": kafka_bootstrap,
        "NOTIFIER_KAFKA__SESSION_TIMEOUT_MS": "6000",
        "NOTIFIER_KAFKA__HEARTBEAT_INTERVAL_MS": "500",
        "NOTIFIER_KAFKA__REBALANCE_TIMEOUT_MS": "5000",
        "NOTIFIER_KAFKA__MAX_POLL_RECORDS": "50",
        "NOTIFIER_CONSUMER_GROUP": f"kill-{uuid.uuid4().hex[:8]}",
        "NOTIFIER_CONSUME_TOPICS": json.dumps([topic]),
        "NOTIFIER_SMTP__PORT": str(sink.port),
        "NOTIFIER_SMTP__CONNECTIONS": "4",
        "NOTIFIER_MASTER_KEY": MASTER_KEY,
        "NOTIFIER_CLAIM_LEASE_S": "3",
        "NOTIFIER_CPU_PROCESSES": "1",
    }
    events = [issued("inst-k", i) for i in range(300)]
    producer = create_producer(kafka)
    await producer.start()
    try:
        for event in events:
            key, value, headers = encode(CloudEvent.of(event))
            await producer.send(topic, value=value, key=key, headers=headers)
        await producer.flush()
    finally:
        await producer.stop()
    log = tmp_path / "worker.log"
    worker = await start_worker(env, log)
    pool = None
    try:
        await eventually(
            lambda: asyncio.sleep(0, sink.store.accepted), lambda n: n >= 40, timeout_s=120
        )
        worker.send_signal(signal.SIGKILL)  # mid-batch: consuming, claiming and sending
        await worker.wait()
        killed_at = sink.store.accepted
        assert killed_at < 300, "the kill came too late to prove anything"
        worker = await start_worker(env, log)
        pool = await create_pool(PostgresSettings(dsn=fresh_db))
        await eventually(
            lambda: pool.fetchval("SELECT count(*) FROM deliveries WHERE state = 'sent'"),
            lambda n: n == 300,
            timeout_s=180,
        )
    finally:
        if worker.returncode is None:
            worker.send_signal(signal.SIGTERM)
            await asyncio.wait_for(worker.wait(), 60)
        if pool is not None:
            await pool.close()
        sink.stop()
    received = sink.by_recipient()
    assert len(received) == 300, log.read_text()[-3000:]  # none lost
    assert all(len(m) == 1 for m in received.values())  # none twice in any mailbox
    assert len({m["Message-ID"] for ms in received.values() for m in ms}) == 300
    # What the relay took twice (sends in flight at the kill, and outcomes not yet
    # written: at most ``flush_s`` of them) went again with the same Message-ID.
    assert 300 <= sink.store.accepted <= 300 + 50
