"""Notifier throughput: learner mail to a real local SMTP server, webhooks to a local receiver.

Starts Postgres and Tansu (``bench/infra.py``), an aiosmtpd server that
counts what it accepts (in this process, on its own thread; no disk), and
the notifier's worker as ``meriter-notifier worker`` runs it (its own
process: consumer, sender loops, relay). Then:

* **mail**: ``--emails`` (default 50,000) ``credential.issued`` events are
  put on ``credentials.events`` before the worker starts; measured: emails
  the SMTP server accepted per second from the worker's start to the last
  one (consuming, recording, claiming, rendering, sending, recording), and
  the steady sending rate between 10 % and 90 % of them;
* **webhooks**: an endpoint on a local HTTPS receiver (loopback allowed by
  configuration, its certificate trusted), ``--webhooks`` (default 10,000)
  ``credential.revoked`` events; measured: deliveries the receiver answered
  per second.

Prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from bench.infra import bench_infra  # noqa: E402
from meriter_local.mailsink import SmtpSink  # noqa: E402
from meriter_local.procs import free_port  # noqa: E402
from meriter_notifier.config import WebhookSettings  # noqa: E402
from meriter_notifier.webhooks import service as webhooks  # noqa: E402
from meriter_notifier.webhooks.schemas import EndpointIn  # noqa: E402
from meriter_shared.auth import Principal  # noqa: E402
from meriter_shared.db.pool import create_pool  # noqa: E402
from meriter_shared.events.credentials import (  # noqa: E402
    CredentialIssued,
    CredentialRevoked,
    Delivery,
)
from meriter_shared.events.envelope import CloudEvent, encode  # noqa: E402
from meriter_shared.events.topics import Topics  # noqa: E402
from meriter_shared.messaging.kafka import create_producer, ensure_topics  # noqa: E402
from meriter_shared.secrets import MasterKeys  # noqa: E402
from meriter_shared.settings import KafkaSettings, PostgresSettings  # noqa: E402
from support.receivers import HttpsReceiver  # noqa: E402

MASTER_KEY = base64.urlsafe_b64encode(b"b" * 32).decode()
INSTITUTION = "bench-institution"


class Counting:
    """An SMTP server's handler that accepts everything and counts it (offering
    PIPELINING, as mail relays do)."""

    def __init__(self) -> None:
        self.accepted = 0
        self.times: list[float] = []
        self.lock = threading.Lock()

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        session.host_name = hostname
        return [*responses[:-1], "250-PIPELINING", responses[-1]]

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.accepted += 1
            self.times.append(time.monotonic())
        return "250 OK"


def issued(i: int) -> CredentialIssued:
    return CredentialIssued(
        credential_id=f"urn:uuid:{uuid.uuid4()}",
        institution_id=INSTITUTION,
        result_id=f"B-{i}",
        issued_at=datetime.now(UTC),
        title="Applied Machine Learning for Public Health",
        institution_name="Uppsala universitet",
        status_list_credentials=["http://127.0.0.1:8002/status-lists/1"],
        delivery=Delivery(
            name="Åsa Öberg",
            email=f"learner{i}@example{i % 50}.se",
            language="sv" if i % 2 else "en",
            claim_url=f"http://127.0.0.1:8002/claim/{uuid.uuid4().hex}",
            claim_expires_at=datetime.now(UTC) + timedelta(days=90),
        ),
    )


def revoked(i: int) -> CredentialRevoked:
    return CredentialRevoked(
        credential_id=f"urn:uuid:{uuid.uuid4()}",
        institution_id=INSTITUTION,
        purpose="revocation",
        reason="bench",
        changed_at=datetime.now(UTC),
    )


async def publish(kafka: KafkaSettings, payloads: list[Any]) -> float:
    producer = create_producer(kafka)
    await producer.start()
    started = time.perf_counter()
    try:
        for p in payloads:
            key, value, headers = encode(CloudEvent.of(p))
            await producer.send(Topics.CREDENTIALS, value=value, key=key, headers=headers)
        await producer.flush()
    finally:
        await producer.stop()
    return time.perf_counter() - started


async def wait_count(read: Any, n: int, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while (await read()) < n:
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {await read()} of {n} within {timeout_s}s")
        await asyncio.sleep(0.2)


async def run(emails: int, hooks: int) -> dict[str, Any]:
    with bench_infra("notifier") as infra, tempfile.TemporaryDirectory(prefix="mnb-") as tmp:
        kafka = KafkaSettings(bootstrap_servers=infra.bootstrap)
        await ensure_topics(kafka, Topics.all())
        counting = Counting()
        smtp_port = free_port()
        sink = SmtpSink(counting, "127.0.0.1", smtp_port).start()
        receiver = await HttpsReceiver(Path(tmp)).start()
        receiver.answer = lambda _: 204
        figures: dict[str, Any] = {"conditions": os.getloadavg()}
        put = await publish(kafka, [issued(i) for i in range(emails)])
        figures["events_published_per_s"] = round(emails / put)
        env = {
            **os.environ,
            "NOTIFIER_POSTGRES__DSN": infra.dsn("notifier"),
            "NOTIFIER_KAFKA__BOOTSTRAP_SERVERS": infra.bootstrap,
            "NOTIFIER_SMTP__PORT": str(smtp_port),
            "NOTIFIER_MASTER_KEY": MASTER_KEY,
            "NOTIFIER_CPU_PROCESSES": "1",
            "NOTIFIER_WEBHOOKS__ALLOW_PRIVATE_NETWORKS": "true",
            "NOTIFIER_WEBHOOKS__CA_FILE": str(receiver.ca_file),
            "NOTIFIER_LOG_LEVEL": "WARNING",
        }
        log = (Path(tmp) / "worker.log").open("ab")
        started = time.monotonic()
        worker = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "meriter_notifier", "worker", env=env, stdout=log, stderr=log
        )
        pool = None
        try:
            await wait_count(lambda: asyncio.sleep(0, counting.accepted), emails, 1800)
            done = time.monotonic()
            times = sorted(counting.times)
            lo, hi = times[len(times) // 10], times[len(times) * 9 // 10]
            figures["emails"] = emails
            figures["emails_accepted_per_s_end_to_end"] = round(emails / (done - started))
            figures["emails_accepted_per_s_steady"] = round(0.8 * emails / (hi - lo))
            figures["smtp_accepted_total"] = counting.accepted
            pool = await create_pool(PostgresSettings(dsn=infra.dsn("notifier")))
            async with pool.acquire() as conn:
                await webhooks.register(
                    conn,
                    Principal.system("bench"),
                    INSTITUTION,
                    EndpointIn.model_validate(
                        {"url": receiver.url, "event_types": ["credential.revoked"]}
                    ),
                    settings=WebhookSettings(allow_private_networks=True),
                    keys=MasterKeys.from_text(MASTER_KEY),
                    idempotency_key=None,
                )
            hooks_started = time.monotonic()
            await publish(kafka, [revoked(i) for i in range(hooks)])
            await wait_count(lambda: asyncio.sleep(0, len(receiver.requests)), hooks, 900)
            figures["webhooks"] = hooks
            figures["webhook_deliveries_per_s"] = round(hooks / (time.monotonic() - hooks_started))
            figures["webhook_requests_total"] = len(receiver.requests)
        finally:
            worker.terminate()
            await worker.wait()
            if pool is not None:
                await pool.close()
            await receiver.stop()
            sink.stop()
        figures["conditions"] = {
            "load_average_before": [round(x, 1) for x in figures["conditions"]],
            "load_average_after": [round(x, 1) for x in os.getloadavg()],
            "cpus": os.cpu_count(),
            "smtp_connections": 8,
        }
        return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--emails", type=int, default=50_000)
    parser.add_argument("--webhooks", type=int, default=10_000)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args.emails, args.webhooks))), flush=True)


if __name__ == "__main__":
    main()
