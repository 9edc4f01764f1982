"""Contact data lives only as long as delivery needs it.

- Purged ``contact_retention_days`` after the event brought it, whether or
  not the mail went out (keeping the address longer is not ours to decide).
- ``learner.erased`` purges it at once.
- Delivery records keep no personal data, so they stay for the status API;
  mail still waiting for purged contact data fails (``deliveries/service.py``
  says so when it purges through here).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from prometheus_client import Counter

from meriter_notifier.contacts import repository
from meriter_notifier.contacts.repository import Contact
from meriter_shared.db.types import Connection

__all__ = ["Contact", "erase", "keep", "purge_expired"]

PURGED = Counter("meriter_notifier_contacts_purged_total", "Contact data purged", ["why"])


async def keep(conn: Connection, contacts: Sequence[Contact]) -> None:
    """Keep the contact data of new credentials (one already kept for a credential stays)."""
    await repository.keep(conn, contacts)


async def erase(conn: Connection, institution_id: str, credential_ids: Sequence[str]) -> list[str]:
    """Purge the contact data of these credentials of the institution; the ones purged."""
    erased = await repository.erase(conn, institution_id, credential_ids)
    PURGED.labels("erased").inc(len(erased))
    return erased


async def purge_expired(conn: Connection, now: datetime) -> list[str]:
    """Purge contact data past its retention (a batch at a time); the credentials purged."""
    purged = await repository.purge_expired(conn, now)
    PURGED.labels("expired").inc(len(purged))
    return purged
