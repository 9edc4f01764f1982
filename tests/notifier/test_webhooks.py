"""Institutions' webhooks to a real HTTPS receiver on loopback (allowed by configuration).

The receiver's side is checked with the README's recipe, written out here
independently of the notifier's own signing code.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from notifier.notifier_support import KEYS, issued, record, sending, states

from meriter_notifier.config import WebhookSettings
from meriter_notifier.webhooks import service
from meriter_notifier.webhooks.schemas import EndpointIn
from meriter_notifier.webhooks.sender import WebhookChannel
from meriter_shared.auth import Principal
from meriter_shared.db.types import Pool
from meriter_shared.errors import ValidationProblem
from meriter_shared.events.credentials import CredentialRevoked
from support.receivers import HttpsReceiver, Request
from support.waiting import eventually

SYSTEM = Principal.system("tests")
TOLERANCE_S = 300


class Recipe:
    """The receiver's verification, step by step as the README gives it."""

    def __init__(self, secret: str) -> None:
        self.key = base64.b64decode(secret.removeprefix("whsec_"))
        self.seen: dict[str, int] = {}

    def verify(self, headers: dict[str, str], body: bytes, now: int | None = None) -> bool:
        now = int(time.time()) if now is None else now
        msg_id = headers["webhook-id"]
        timestamp = headers["webhook-timestamp"]
        if not timestamp.isdigit() or abs(now - int(timestamp)) > TOLERANCE_S:
            return False  # stale or from the future: a replay
        signed = f"{msg_id}.{timestamp}.".encode() + body
        expected = base64.b64encode(hmac.new(self.key, signed, hashlib.sha256).digest()).decode()
        given = [s.split(",", 1)[1] for s in headers["webhook-signature"].split() if "," in s]
        if not any(hmac.compare_digest(expected, g) for g in given):
            return False  # forged or altered
        if msg_id in self.seen:
            return False  # already handled: a replay (or our own retry of it)
        self.seen[msg_id] = int(timestamp)
        return True


def webhook_settings(receiver: HttpsReceiver, **changes: object) -> WebhookSettings:
    return WebhookSettings(
        allow_private_networks=True,
        ca_file=receiver.ca_file,
        timeout_s=5,
        backoff_base_s=0.05,
        backoff_cap_s=0.3,
        concurrency=4,
    ).model_copy(update=changes)


@pytest.fixture
async def receiver(tmp_path: Path) -> AsyncIterator[HttpsReceiver]:
    r = await HttpsReceiver(tmp_path).start()
    yield r
    await r.stop()


async def register(db: Pool, receiver: HttpsReceiver, institution: str, types: list[str]) -> str:
    async with db.acquire() as conn:
        created, _ = await service.register(
            conn,
            SYSTEM,
            institution,
            EndpointIn.model_validate({"url": receiver.url, "event_types": types}),
            settings=webhook_settings(receiver),
            keys=KEYS,
            idempotency_key=None,
        )
    return created.secret


def revoked(credential_id: str, institution: str) -> CredentialRevoked:
    return CredentialRevoked(
        credential_id=credential_id,
        institution_id=institution,
        purpose="revocation",
        reason="issued in error",
        changed_at=issued(institution, 0).issued_at,
    )


async def test_a_receiver_that_fails_then_recovers_gets_each_event_signed_and_once_verified(
    db: Pool, receiver: HttpsReceiver
) -> None:
    secret = await register(db, receiver, "inst-w1", ["credential.issued", "credential.revoked"])
    failures = {"left": 3}

    def answer(_: Request) -> int:
        if failures["left"]:
            failures["left"] -= 1
            return 503
        return 204

    receiver.answer = answer
    first = issued("inst-w1", 1)
    await record(db, [first, revoked(first.credential_id, "inst-w1"), issued("inst-other", 2)])
    async with sending(db, WebhookChannel(webhook_settings(receiver), KEYS)):
        await eventually(lambda: states(db, "webhook"), lambda s: s == {"sent": 2})
    recipe = Recipe(secret)
    accepted = [r for r in receiver.requests if recipe.verify(r.headers, r.body)]
    assert sorted(json.loads(r.body)["type"] for r in accepted) == [
        "credential.issued",
        "credential.revoked",
    ]
    assert len(receiver.requests) == 2 + 3  # three refused tries, then one each
    for request in receiver.requests:
        assert "learner1@example.se" not in request.body.decode()  # no contact data
        assert request.headers["content-type"] == "application/json"
    body = json.loads(accepted[0].body)
    assert body["data"]["credential_id"] == first.credential_id


async def test_a_delivery_failing_every_try_is_parked_listed_and_replayed(
    db: Pool, receiver: HttpsReceiver
) -> None:
    await register(db, receiver, "inst-w2", ["credential.issued"])
    receiver.answer = lambda _: 500
    await record(db, [issued("inst-w2", 1)])
    ch = WebhookChannel(webhook_settings(receiver, max_attempts=3), KEYS)
    async with sending(db, ch):
        await eventually(lambda: states(db, "webhook"), lambda s: s == {"failed": 1})
        async with db.acquire() as conn:
            page = await service.parked(conn, SYSTEM, "inst-w2", None, 10)
        (parked,) = page.items
        assert parked.attempts == 3
        assert parked.last_error == "answered 500; parked after 3 tries"
        receiver.answer = lambda _: 200
        async with db.acquire() as conn:
            assert await service.replay(conn, SYSTEM, "inst-w2", [parked.id]) == 1
        await eventually(lambda: states(db, "webhook"), lambda s: s == {"sent": 1})
    assert len(receiver.requests) == 4
    assert len({r.headers["webhook-id"] for r in receiver.requests}) == 1  # one message, retried


async def test_a_forged_or_replayed_webhook_is_detected_by_the_documented_recipe(
    db: Pool, receiver: HttpsReceiver
) -> None:
    secret = await register(db, receiver, "inst-w3", ["credential.issued"])
    await record(db, [issued("inst-w3", 1)])
    async with sending(db, WebhookChannel(webhook_settings(receiver), KEYS)):
        await eventually(lambda: states(db, "webhook"), lambda s: s == {"sent": 1})
    (genuine,) = receiver.requests
    h, body = genuine.headers, genuine.body
    forged_body = body.replace(b"credential.issued", b"credential.revoked")
    other_secret = "whsec_" + base64.b64encode(b"x" * 32).decode()
    assert not Recipe(secret).verify(h, forged_body)  # altered body
    assert not Recipe(other_secret).verify(h, body)  # signed with another key
    assert not Recipe(secret).verify({**h, "webhook-signature": "v1,AAAA"}, body)
    stale = int(h["webhook-timestamp"]) + TOLERANCE_S + 1
    assert not Recipe(secret).verify(h, body, now=stale)  # replayed later
    recipe = Recipe(secret)
    assert recipe.verify(h, body)
    assert not recipe.verify(h, body)  # replayed within the window: the id was seen


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.example.se/x",
        "https://127.0.0.1/x",
        "https://localhost/x",
        "https://10.1.2.3/x",
        "https://[::1]/x",
        "https://169.254.169.254/latest",
        "https://[::ffff:127.0.0.1]/x",
        "https://user:pw@hooks.example.se/x",
    ],
)
async def test_endpoints_on_private_or_loopback_addresses_or_without_https_are_refused(
    db: Pool, url: str
) -> None:
    async with db.acquire() as conn:
        with pytest.raises(ValidationProblem):
            await service.register(
                conn,
                SYSTEM,
                "inst-w4",
                EndpointIn.model_validate({"url": url, "event_types": ["credential.issued"]}),
                settings=WebhookSettings(),
                keys=KEYS,
                idempotency_key=None,
            )


async def test_a_host_resolving_to_loopback_is_parked_unless_private_networks_are_allowed(
    db: Pool, receiver: HttpsReceiver
) -> None:
    await register(db, receiver, "inst-w5", ["credential.issued"])
    await record(db, [issued("inst-w5", 1)])
    strict = WebhookChannel(webhook_settings(receiver, allow_private_networks=False), KEYS)
    async with sending(db, strict):
        await eventually(lambda: states(db, "webhook"), lambda s: s == {"failed": 1})
    assert receiver.requests == []
    error = await db.fetchval("SELECT last_error FROM deliveries WHERE channel = 'webhook'")
    assert error == "the host is not a public address"


async def test_an_endpoint_gets_only_the_event_types_it_asked_for(
    db: Pool, receiver: HttpsReceiver
) -> None:
    await register(db, receiver, "inst-w6", ["credential.revoked"])
    first = issued("inst-w6", 1)
    await record(db, [first])
    assert await states(db, "webhook") == {}
    await record(db, [revoked(first.credential_id, "inst-w6")])
    assert await states(db, "webhook") == {"queued": 1}
