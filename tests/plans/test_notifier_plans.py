"""The notifier's per-request and per-batch statements stay bounded as history grows.

``deliveries`` (1,000,000 records over 200 institutions: nine in ten emails, most
sent long ago, a few due, retrying, in flight, failed or parked) and ``contacts``
(1,000,000 learners' contact data awaiting purge) are filled as after years of
use; ``webhook_endpoints`` holds two endpoints per institution. Each repository
function runs as the service calls it, on a recording connection in a
transaction rolled back afterwards, and every statement it sent is explained as
a generic plan and checked by ``plans_support.faults``.

Not checked here:

* ``deliveries.repository.backlog`` (the backlog gauge read on ``/metrics``):
  being rewritten elsewhere;
* the kernel's outbox and inbox statements, checked with the kernel;
* ``SELECT pg_notify(…)`` after an insert or a replay: it reads no table.
"""

# ruff: noqa: S608 (the fill SQL is formatted from this module's own constants)

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from plans.plans_support import assert_all_bounded, filled, recorded

from meriter_notifier.contacts import repository as contacts
from meriter_notifier.deliveries import repository as deliveries
from meriter_notifier.webhooks import repository as webhooks
from meriter_shared.db.types import Connection, Pool
from support.infra import Postgres

BIG = ("deliveries", "contacts")
ROWS = 1_000_000
NOW = datetime(2031, 3, 4, 10, 0, tzinfo=UTC)
INST = "inst-007"

_INSTITUTION = "'inst-' || lpad((g % 200)::text, 3, '0')"
_CREDENTIAL = "('urn:uuid:' || md5('c' || g)::uuid)"
_ENDPOINT = "md5('endpoint-' || (g % 200) || '-' || (g / 200 % 2))::uuid"
FILL = [
    f"""INSERT INTO webhook_endpoints (id, institution_id, url, event_types, secret_sealed)
        SELECT {_ENDPOINT}, {_INSTITUTION}, 'https://hooks.example/' || g,
               ARRAY['credential.issued', 'credential.revoked'], 'sealed'
          FROM generate_series(0, 399) g""",
    # Record g: an email for credential g, but every tenth a webhook of its event.
    f"""INSERT INTO deliveries (id, delivery_key, channel, institution_id, credential_id,
            result_id, event_id, event_type, endpoint_id, message_id, body, state, attempts,
            next_attempt_at, created_at, updated_at, sent_at, parked_at, last_error)
        SELECT g, c.channel || '/' || g, c.channel, {_INSTITUTION}, {_CREDENTIAL},
               'res-' || g, 'event-' || g, 'credential.issued',
               CASE WHEN c.channel = 'webhook' THEN {_ENDPOINT} END,
               '<' || g || '@meriter.example>', CASE WHEN c.channel = 'webhook' THEN '{{}}' END,
               s.state, CASE WHEN s.state = 'sent' THEN 1 ELSE 3 END,
               CASE WHEN s.state IN ('queued', 'retrying', 'sending')
                    THEN timestamptz '{NOW.isoformat()}' + (g % 600 - 300) * interval '1 second'
                    ELSE timestamptz '2024-01-01' + g * interval '1 minute' END,
               timestamptz '2024-01-01' + g * interval '1 minute',
               timestamptz '2024-01-01' + g * interval '1 minute',
               CASE WHEN s.state = 'sent' THEN timestamptz '2024-01-01' + g * interval '1 minute'
               END,
               CASE WHEN s.state = 'failed' AND c.channel = 'webhook'
                    THEN timestamptz '2024-01-01' + g * interval '1 minute' END,
               CASE WHEN s.state IN ('failed', 'retrying', 'bounced') THEN '550 no' END
          FROM generate_series(1, {ROWS}) g,
               LATERAL (SELECT CASE WHEN g % 10 = 0 THEN 'webhook' ELSE 'email' END
                        AS channel) c,
               LATERAL (SELECT CASE WHEN g % 1000 < 5 THEN 'queued'
                                    WHEN g % 1000 < 10 THEN 'retrying'
                                    WHEN g % 1000 < 11 THEN 'sending'
                                    WHEN g % 1000 < 30 THEN 'failed'
                                    WHEN g % 1000 < 40 THEN 'bounced'
                                    ELSE 'sent' END AS state) s""",
    "SELECT setval('deliveries_id_seq', (SELECT max(id) FROM deliveries))",
    f"""INSERT INTO contacts (credential_id, institution_id, name, email, domain, language,
            title, institution_name, claim_url, claim_expires_at, purge_after)
        SELECT {_CREDENTIAL}, {_INSTITUTION}, 'Learner ' || g, 'l' || g || '@mail.example',
               'mail.example', 'en', 'Course ' || (g % 40), 'University ' || (g % 200),
               'https://credentials.example.se/claim/' || g,
               timestamptz '{NOW.isoformat()}' + (g % 90) * interval '1 day',
               timestamptz '{NOW.isoformat()}' + (g % 90 - 30) * interval '1 day'
          FROM generate_series(1, {ROWS}) g""",
]


@pytest.fixture(scope="module")
async def big(pg: Postgres) -> AsyncIterator[Pool]:
    async with filled(pg.base_dsn, ["meriter_notifier"], FILL) as pool:
        yield pool


def _new(n: int) -> list[deliveries.NewDelivery]:
    return [
        deliveries.NewDelivery(
            delivery_key=f"email/credential.issued/new-{i}",
            channel="email",
            institution_id=INST,
            credential_id=f"new-{i}",
            result_id=f"res-new-{i}",
            event_id=f"event-new-{i}",
            event_type="credential.issued",
            endpoint_id=None,
            message_id=f"<new-{i}@meriter.example>",
            body=None,
            traceparent=None,
        )
        for i in range(n)
    ]


def _contacts(n: int) -> list[contacts.Contact]:
    return [
        contacts.Contact(
            credential_id=f"new-{i}",
            institution_id=INST,
            name="A B",
            email=f"a{i}@mail.example",
            domain="mail.example",
            language="en",
            title="Course",
            institution_name="University",
            claim_url="https://credentials.example.se/claim/x",
            claim_expires_at=NOW + timedelta(days=30),
            purge_after=NOW + timedelta(days=60),
        )
        for i in range(n)
    ]


CALLS = [
    "deliveries.insert",
    "deliveries.claim_email",
    "deliveries.claim_webhook",
    "deliveries.record",
    "deliveries.of_credential",
    "deliveries.fail_pending_email",
    "deliveries.parked_webhooks",
    "deliveries.replay_parked",
    "deliveries.webhook_endpoints_of",
    "contacts.keep",
    "contacts.erase",
    "contacts.purge_expired",
    "webhooks.requests",
]


async def _run(name: str, conn: Connection, pool: Pool) -> None:
    credential = await pool.fetchval("SELECT credential_id FROM deliveries WHERE id = 2007")
    endpoint = str(await pool.fetchval("SELECT endpoint_id FROM deliveries WHERE id = 2010"))
    match name:
        case "deliveries.insert":
            await deliveries.insert(conn, _new(500))
        case "deliveries.claim_email":
            await deliveries.claim(conn, "email", 100, 60.0)
        case "deliveries.claim_webhook":
            await deliveries.claim(conn, "webhook", 100, 60.0)
        case "deliveries.record":
            outcomes = [
                deliveries.Outcome(id=g, state="sent", attempts_spent=1, delay_s=0, error=None)
                for g in range(1000, 1100)
            ]
            await deliveries.record(conn, outcomes)
        case "deliveries.of_credential":
            await deliveries.of_credential(conn, credential)
        case "deliveries.fail_pending_email":
            await deliveries.fail_pending_email(conn, [credential, "x"], "erased")
            await deliveries.fail_pending_email(conn, [credential], "revoked", "credential.issued")
        case "deliveries.parked_webhooks":
            await deliveries.parked_webhooks(conn, INST, None, 50)
            await deliveries.parked_webhooks(conn, INST, 500_000, 50)
        case "deliveries.replay_parked":
            await deliveries.replay_parked(conn, INST, None)
            await deliveries.replay_parked(conn, INST, [10_007, 20_007])
        case "deliveries.webhook_endpoints_of":
            await deliveries.webhook_endpoints_of(conn, [INST, "inst-008"])
        case "contacts.keep":
            await contacts.keep(conn, _contacts(500))
        case "contacts.erase":
            await contacts.erase(conn, INST, [credential, "x"])
        case "contacts.purge_expired":
            await contacts.purge_expired(conn, NOW)
        case "webhooks.requests":
            await webhooks.create(
                conn,
                endpoint_id="00000000-0000-0000-0000-000000000001",
                institution_id=INST,
                url="https://hooks.example/new",
                event_types=["credential.issued"],
                secret_sealed="sealed",
                description=None,
                idempotency_key="k",
            )
            await webhooks.by_idempotency_key(conn, INST, "k")
            await webhooks.count_live(conn, INST)
            await webhooks.live_of(conn, INST)
            await webhooks.one(conn, INST, endpoint)
            await webhooks.delete(conn, INST, endpoint)
        case _:
            raise AssertionError(name)


@pytest.mark.parametrize("name", CALLS)
async def test_statement_reads_only_what_the_request_asks_for(big: Pool, name: str) -> None:
    statements = await recorded(big, lambda conn: _run(name, conn, big))
    await assert_all_bounded(big, name, statements, BIG)
