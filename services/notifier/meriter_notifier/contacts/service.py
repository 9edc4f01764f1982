"""Contact data lives only as long as delivery needs it.

- Purged ``contact_retention_days`` after the event brought it, whether or
  not the mail went out (a mail still waiting then fails as "contact data
  expired": keeping the address longer is not ours to decide).
- ``learner.erased`` purges it at once, and mail not yet sent to it fails.
- Delivery records keep no personal data, so they stay for the status API.
"""

from __future__ import annotations

from datetime import datetime

from prometheus_client import Counter

from meriter_notifier.contacts import repository
from meriter_notifier.deliveries.repository import fail_pending_email
from meriter_shared.db.types import Connection

PURGED = Counter("meriter_notifier_contacts_purged_total", "Contact data purged", ["why"])


async def erase(conn: Connection, institution_id: str, credential_ids: list[str]) -> int:
    erased = await repository.erase(conn, institution_id, credential_ids)
    await fail_pending_email(conn, erased, "the learner's data was erased")
    PURGED.labels("erased").inc(len(erased))
    return len(erased)


async def purge_expired(conn: Connection, now: datetime) -> int:
    purged = await repository.purge_expired(conn, now)
    await fail_pending_email(conn, purged, "contact data expired before the mail went out")
    PURGED.labels("expired").inc(len(purged))
    return len(purged)
