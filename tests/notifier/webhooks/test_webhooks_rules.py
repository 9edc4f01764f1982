"""Webhook endpoints, on Postgres alone: only the institution itself manages its own."""

from __future__ import annotations

import uuid

import pytest

from meriter_notifier.webhooks import service as webhooks
from meriter_shared.auth import Principal, Role
from meriter_shared.db.types import Pool
from meriter_shared.errors import Problem

MINE = Principal(client_id="c-1", role=Role.INSTITUTION, tenant_id="inst-w")
OTHER = Principal(client_id="c-2", role=Role.INSTITUTION, tenant_id="inst-other")
AGENCY = Principal(client_id="c-3", role=Role.AGENCY, tenant_id="inst-w")


async def test_an_institution_lists_its_own_endpoints(db: Pool) -> None:
    async with db.acquire() as conn:
        assert await webhooks.list_endpoints(conn, MINE, "inst-w") == []


@pytest.mark.parametrize("who", [OTHER, AGENCY])
async def test_no_one_else_lists_deletes_or_replays_an_institutions_endpoints(
    db: Pool, who: Principal
) -> None:
    async with db.acquire() as conn:
        with pytest.raises(Problem) as listed:
            await webhooks.list_endpoints(conn, who, "inst-w")
        assert listed.value.status == 403
        with pytest.raises(Problem) as deleted:
            await webhooks.delete_endpoint(conn, who, "inst-w", uuid.uuid4())
        assert deleted.value.status == 403
        with pytest.raises(Problem) as replayed:
            await webhooks.replay(conn, who, "inst-w", None)
        assert replayed.value.status == 403


async def test_deleting_an_unknown_endpoint_is_not_found(db: Pool) -> None:
    async with db.acquire() as conn:
        with pytest.raises(Problem) as missing:
            await webhooks.delete_endpoint(conn, MINE, "inst-w", uuid.uuid4())
        assert missing.value.status == 404
