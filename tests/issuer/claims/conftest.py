"""Claim-route fixtures: a learner's link on the issuer app (see ``claim_support.py``)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from issuer.claims.claim_support import Learner, learner_at_the_door
from issuer.rules_support import Issuer


@pytest.fixture
async def learner(fresh_db: str, issuer: Issuer) -> AsyncIterator[Learner]:
    async with learner_at_the_door(fresh_db, issuer) as found:
        yield found
