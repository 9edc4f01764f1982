"""Webhook endpoints: an institution's own, HTTPS on public addresses, secrets sealed.

- Only the institution (or the admin) registers, lists, deletes its
  endpoints and lists and replays its parked deliveries (``authorize``
  with the institution as tenant).
- The URL is checked when registered (``ssrf.check_url``) and its address
  again at every delivery.
- The signing secret is generated here, shown once in the answer, and kept
  sealed under the master key (purpose ``notifier/webhook-secret/<id>``).
- ``Idempotency-Key``: registering again with the same key answers the
  endpoint made the first time (with its secret) and makes no other.
"""

from __future__ import annotations

import uuid
from typing import Any

from meriter_notifier.config import WebhookSettings
from meriter_notifier.deliveries import service as deliveries
from meriter_notifier.webhooks import repository, signing, ssrf
from meriter_notifier.webhooks.schemas import (
    EndpointCreated,
    EndpointIn,
    EndpointOut,
    ParkedDelivery,
    ParkedPage,
)
from meriter_notifier.webhooks.sender import secret_purpose
from meriter_shared.auth import Principal, Role, authorize
from meriter_shared.db.query import next_cursor
from meriter_shared.db.types import Connection
from meriter_shared.errors import Conflict, NotFound, ValidationProblem
from meriter_shared.secrets import MasterKeys


def _guard(principal: Principal, institution_id: str) -> None:
    authorize(
        principal,
        Role.INSTITUTION,
        tenant_id=institution_id,
        detail="only the institution itself manages its webhooks",
    )


def _url_error(message: str) -> dict[str, str]:
    return {"in": "body", "pointer": "/url", "field": "url", "message": message, "code": "ssrf"}


def _out(row: Any) -> dict[str, Any]:
    return {
        "id": row["id"],
        "institution_id": row["institution_id"],
        "url": row["url"],
        "event_types": list(row["event_types"]),
        "description": row["description"],
        "created_at": row["created_at"],
    }


async def register(
    conn: Connection,
    principal: Principal,
    institution_id: str,
    body: EndpointIn,
    *,
    settings: WebhookSettings,
    keys: MasterKeys,
    idempotency_key: str | None,
) -> tuple[EndpointCreated, bool]:
    """The endpoint and whether it was made now (False: the idempotency key's earlier one)."""
    _guard(principal, institution_id)
    try:
        ssrf.check_url(
            body.url,
            allow_http=settings.allow_http,
            allow_private=settings.allow_private_networks,
        )
    except ssrf.Refused as exc:
        raise ValidationProblem(
            "the endpoint URL is not allowed",
            errors=[
                {
                    "in": "body",
                    "pointer": "/url",
                    "field": "url",
                    "message": str(exc),
                    "code": "ssrf",
                }
            ],
        ) from exc
    async with conn.transaction():
        if idempotency_key is not None:
            earlier = await repository.by_idempotency_key(conn, institution_id, idempotency_key)
            if earlier is not None:
                return _created(earlier, keys), False
        if (
            await repository.count_live(conn, institution_id)
            >= settings.max_endpoints_per_institution
        ):
            raise Conflict(
                f"an institution has at most {settings.max_endpoints_per_institution} endpoints"
            )
        endpoint_id = str(uuid.uuid4())
        secret = signing.new_secret()
        row = await repository.create(
            conn,
            endpoint_id=endpoint_id,
            institution_id=institution_id,
            url=body.url,
            event_types=sorted(set(body.event_types)),
            secret_sealed=keys.seal(secret.encode(), secret_purpose(endpoint_id)),
            description=body.description,
            idempotency_key=idempotency_key,
        )
        if row is None:  # a concurrent request with the same key won
            assert idempotency_key is not None
            row = await repository.by_idempotency_key(conn, institution_id, idempotency_key)
            return _created(row, keys), False
    return _created(row, keys), True


def _created(row: Any, keys: MasterKeys) -> EndpointCreated:
    secret = keys.open(row["secret_sealed"], secret_purpose(str(row["id"]))).decode()
    return EndpointCreated(**_out(row), secret=secret)


async def list_endpoints(
    conn: Connection, principal: Principal, institution_id: str
) -> list[EndpointOut]:
    _guard(principal, institution_id)
    return [EndpointOut(**_out(r)) for r in await repository.live_of(conn, institution_id)]


async def delete_endpoint(
    conn: Connection, principal: Principal, institution_id: str, endpoint_id: uuid.UUID
) -> None:
    _guard(principal, institution_id)
    if not await repository.delete(conn, institution_id, str(endpoint_id)):
        raise NotFound(f"no webhook endpoint {endpoint_id}")


async def parked(
    conn: Connection, principal: Principal, institution_id: str, cursor: int | None, limit: int
) -> ParkedPage:
    _guard(principal, institution_id)
    rows = await deliveries.parked_webhooks(conn, institution_id, cursor, limit)
    items = [ParkedDelivery.model_validate(r) for r in rows]
    return ParkedPage(items=items, next_cursor=next_cursor(items, limit, lambda p: str(p.id)))


async def replay(
    conn: Connection, principal: Principal, institution_id: str, ids: list[int] | None
) -> int:
    _guard(principal, institution_id)
    async with conn.transaction():
        return await deliveries.replay_parked(conn, institution_id, ids)
