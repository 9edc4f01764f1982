"""The issuer's rules tier: its service functions on Postgres alone (no broker, no HTTP).

Rules are called as the app and the worker call them — a connection, a
principal or the caller's institution, an instant from an injected clock —
on a database with the issuer's migrations and nothing else. The registry's
part is played by applying its events to the shared projection through the
projection's own handlers (as the consumer would), with issuance's
``release`` as the change hook, as ``consumers.py`` wires it. Signing runs
in a thread with the key store (no CPU pool).

``Outbox.since`` reads the events a step wrote, so a test can say what a
decision announced.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pydantic import SecretStr

from meriter_issuer.components import Components
from meriter_issuer.config import Settings
from meriter_issuer.intake import service as intake
from meriter_issuer.intake.schemas import ResultDetail, ResultOut
from meriter_issuer.issuance.service import Issuance
from meriter_issuer.issuance.signing import Signer
from meriter_shared.auth import Principal, Role
from meriter_shared.db.types import Connection
from meriter_shared.events.contracts import EventPayload
from meriter_shared.events.envelope import CloudEvent
from meriter_shared.events.registry import (
    AgencyRegistered,
    InstitutionRegistered,
    InstitutionUpdated,
    OfferingPublished,
    ReportRecorded,
)
from meriter_shared.messaging.consumer import Delivery, Subscription
from meriter_shared.projections import registry as projection
from meriter_shared.secrets import new_master_key_text

BASE = "https://credentials.example.se"
# A morning in the first week the platform's sample results are issued.
NOW = datetime(2026, 6, 3, 9, 30, tzinfo=UTC)
ADMIN = Principal("admin-client", Role.ADMIN, None)
SETTINGS = Settings(master_key=SecretStr(new_master_key_text()), public_base_url=BASE)


def institution_client(institution_id: str) -> Principal:
    return Principal(f"client-of-{institution_id}", Role.INSTITUTION, institution_id)


def agency_client(agency_id: str) -> Principal:
    return Principal(f"client-of-{agency_id}", Role.AGENCY, agency_id)


@dataclass
class Clock:
    """The injected clock: stands still until a test moves it."""

    now: datetime = NOW

    def __call__(self) -> datetime:
        return self.now

    def advance(self, by: timedelta) -> None:
        self.now += by


def result(result_id: str, offering_id: str, **changes: Any) -> dict[str, Any]:
    """A result as an institution posts it (the learner's identifier follows the id)."""
    body: dict[str, Any] = {
        "result_id": result_id,
        "offering_id": offering_id,
        "learner": {
            "identifier": f"learner-of-{result_id}",
            "name": "Åsa Öberg",
            "email": f"{result_id.lower()}@example.se",
            "language": "sv",
        },
        "assessed_on": "2026-06-01",
        "grade": "A",
        "supervision": "onsite-with-id-check",
    }
    return {**body, **changes}


def offering(offering_id: str, institution_id: str, version: int = 1) -> dict[str, Any]:
    return {
        "id": offering_id,
        "institution_id": institution_id,
        "version": version,
        "title": "Applied Machine Learning for Public Health",
        "learning_outcomes": ["Train models on register data"],
        "ects": 7.5,
        "eqf_level": 7,
        "qf_ehea_cycle": "second",
        "assessment_type": "written-examination",
        "participation_form": "blended",
        "language": "en",
        "field_of_study": "0913 Health",
    }


def report(institution_id: str, valid_from: date, **changes: Any) -> dict[str, Any]:
    body = {
        "id": f"rep-{institution_id}-{valid_from.isoformat()}",
        "agency_id": "ag-1",
        "local_identifier": f"UKA-{institution_id}",
        "version": 1,
        "activity_type": "institutional",
        "status": "part of obligatory EQA system",
        "decision": "positive",
        "valid_from": valid_from.isoformat(),
        "valid_to": None,
        "valid_until": (valid_from + timedelta(days=6 * 365)).isoformat(),
        "institution_ids": [institution_id],
        "recorded_at": (NOW - timedelta(days=30)).isoformat(),
    }
    return {**body, **changes}


@dataclass
class Issuer:
    """The issuer's parts as ``Components`` builds them, on one connection."""

    conn: Connection
    clock: Clock = field(default_factory=Clock)

    def __post_init__(self) -> None:
        self.components = Components.build(SETTINGS, self.clock)
        self.signer = Signer(keystore=self.components.keystore)
        # No pool: a batch's identity and status-list slots are made in its transaction.
        self.issuance: Issuance = self.components.issuance(self.signer)
        self._registry: dict[str, Subscription[Any]] = {
            s.event_type: s for s in projection.subscriptions(on_change=self.issuance.release)
        }

    # --- the registry's part, through the projection's handlers -------------------

    async def registry_says(self, payload: EventPayload) -> None:
        event = CloudEvent.of(payload, time=self.clock())
        async with self.conn.transaction():
            await self._registry[payload.event_type].handle(self.conn, [Delivery(event, payload)])

    async def institution(
        self, institution_id: str, *, quality_assured_from: date | None = date(2024, 1, 1)
    ) -> str:
        """A registered institution with one offering (``off-<id>``), quality assured by
        an obligatory institutional review from ``quality_assured_from`` (None: none)."""
        await self.registry_says(
            AgencyRegistered.model_validate(
                {
                    "id": "ag-1",
                    "acronym": "UKÄ",
                    "name": "Universitetskanslersämbetet",
                    "eqar_registrations": [{"registered_from": "2010-01-01"}],
                }
            )
        )
        await self.registry_says(
            InstitutionRegistered.model_validate(
                {
                    "institution_id": institution_id,
                    "deqar_id": f"DEQAR-{institution_id}",
                    "name_official": f"Universitet {institution_id}",
                    "country": "SE",
                }
            )
        )
        await self.registry_says(
            OfferingPublished.model_validate(offering(f"off-{institution_id}", institution_id))
        )
        if quality_assured_from is not None:
            await self.assure(institution_id, quality_assured_from)
        return institution_id

    async def deactivate(self, institution_id: str) -> None:
        """The registry says the institution is deactivated (as of now)."""
        await self.registry_says(
            InstitutionUpdated.model_validate(
                {
                    "institution_id": institution_id,
                    "deqar_id": f"DEQAR-{institution_id}",
                    "name_official": f"Universitet {institution_id}",
                    "country": "SE",
                    "deactivated_at": self.clock().isoformat(),
                }
            )
        )

    async def publish(
        self, offering_id: str, institution_id: str, version: int, **changes: Any
    ) -> None:
        """The registry publishes (a version of) an offering."""
        body = {**offering(offering_id, institution_id, version), **changes}
        await self.registry_says(OfferingPublished.model_validate(body))

    async def assure(self, institution_id: str, valid_from: date, **changes: Any) -> None:
        await self.registry_says(
            ReportRecorded.model_validate(report(institution_id, valid_from, **changes))
        )

    # --- intake and issuance, as the routes and the worker call them --------------

    async def post(self, institution_id: str, *records: Any) -> intake.Verdicts:
        parsed = [intake.parse(i, r) for i, r in enumerate(records)]
        return await intake.accept(
            self.conn, institution_id, parsed, self.components.learner_ref_key, self.clock()
        )

    async def decide(self, institution_id: str, *result_ids: str) -> None:
        """One issuance batch for these results, in its own transaction (the consumer's)."""
        async with self.conn.transaction():
            await self.issuance.issue(self.conn, [(institution_id, r) for r in result_ids])

    async def issued(self, institution_id: str, result_id: str) -> ResultOut:
        """Post the result of the institution's offering and decide it; it must be issued."""
        await self.post(institution_id, result(result_id, f"off-{institution_id}"))
        await self.decide(institution_id, result_id)
        found = await self.result(institution_id, result_id)
        assert found.state == "issued", found
        return found

    async def result(self, institution_id: str, result_id: str) -> ResultDetail:
        return await intake.result(self.conn, institution_id, result_id)


class Outbox:
    """The events written to the outbox, read back as CloudEvents."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.mark = 0

    async def start(self) -> Outbox:
        self.mark = int(await self.conn.fetchval("SELECT coalesce(max(seq), 0) FROM outbox"))
        return self

    async def since(self) -> list[CloudEvent]:
        """Every event written since ``start`` (or the previous ``since``), in order."""
        rows = await self.conn.fetch(
            "SELECT seq, event FROM outbox WHERE seq > $1 ORDER BY seq", self.mark
        )
        if rows:
            self.mark = rows[-1]["seq"]
        return [CloudEvent.model_validate(r["event"]) for r in rows]

    async def types(self) -> list[str]:
        return [e.type for e in await self.since()]


def of_type(events: Sequence[CloudEvent], event_type: str) -> list[CloudEvent]:
    return [e for e in events if e.type == event_type]


def claim_token(issued: CloudEvent) -> str:
    """The claim link's token, as only the learner's mail carries it."""
    url: str = issued.data["delivery"]["claim_url"]
    return url.rsplit("/", 1)[1]


def vc(**changes: Any) -> dict[str, Any]:
    """An unsigned VC Data Model 2.0 credential an institution built itself."""
    body: dict[str, Any] = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://www.w3.org/ns/credentials/examples/v2",
        ],
        "id": f"urn:uuid:{uuid.uuid4()}",
        "type": ["VerifiableCredential", "ExampleDegreeCredential"],
        "name": "Kandidatexamen i datavetenskap",
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {
            "id": "did:example:ebfeb1f712ebc6f1c276e12ec21",
            "degree": {"type": "ExampleBachelorDegree", "name": "Bachelor of Science"},
        },
    }
    return {**body, **changes}
