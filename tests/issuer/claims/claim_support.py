"""The claim route through HTTP: the issuer app (``serve`` role: pool and migrations, no
broker) on the rules tier's database, its clock the rules tier's, so a credential issued
and revoked by the rules is opened by its learner's link as a browser would."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
from issuer.rules_support import ADMIN, SETTINGS, Issuer, Outbox, claim_token, of_type
from pydantic import SecretStr

from meriter_issuer.app import create_app
from meriter_issuer.status.service import Purpose
from meriter_shared.settings import PostgresSettings


@dataclass
class Learner:
    """A learner's claim link on the issuer's HTTP door; the institution changes its status."""

    issuer: Issuer
    http: httpx.AsyncClient
    token: str
    credential_id: str

    async def open(self, query: str = "", **headers: str) -> httpx.Response:
        return await self.http.get(f"/claim/{self.token}{query}", headers=headers)

    async def institution_sets(self, purpose: Purpose, reason: str) -> None:
        parts = self.issuer.components
        await parts.status_lists.change(
            self.issuer.conn,
            ADMIN,
            self.credential_id,
            purpose,
            True,
            reason,
            parts.identities,
            self.issuer.signer,
            self.issuer.clock(),
        )


@asynccontextmanager
async def learner_at_the_door(fresh_db: str, issuer: Issuer) -> AsyncIterator[Learner]:
    """An issued credential's learner, with the issuer app answering their link."""
    await issuer.institution("inst-a")
    outbox = await Outbox(issuer.conn).start()
    issued = await issuer.issued("inst-a", "R-1")
    (announced,) = of_type(await outbox.since(), "credential.issued")
    assert issued.credential_id is not None
    settings = SETTINGS.model_copy(
        update={"postgres": PostgresSettings(dsn=SecretStr(fresh_db)), "process_role": "serve"}
    )
    app = create_app(settings, clock=issuer.clock)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://issuer") as http:
            yield Learner(issuer, http, claim_token(announced), issued.credential_id)
