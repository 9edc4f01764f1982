"""What routes declare they need, as ``Annotated[..., Depends(...)]`` aliases.

``RegistryState`` is what ``create_app`` gives the routes (typed, on
``app.state.registry``): settings, the qa-status cache, the clock, the
master keys that seal the token-signing keys, the token endpoint's limits,
the CSV submissions' slots.

Route guards: every write route takes exactly one of ``AdminDep``,
``AgencyDep`` or ``InstitutionDep`` — 401 without a valid bearer token, 403
for another role, the admin passes all of them (``meriter_shared.auth.
authorize``). Whether an agency or institution may touch *this* resource
needs the resource, so the rule behind the route (its ``service.py``) makes
that check with the same ``authorize``. ``tests/registry/test_route_guards.py``
walks every write route and fails for one without a guard.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends, FastAPI, Request

from meriter_registry.clients.ratelimit import TokenEndpointLimits
from meriter_registry.config import Settings
from meriter_registry.qa.cache import QaStatusCache
from meriter_registry.qa.index import QaIndex
from meriter_shared.auth import AdminDep, Principal, Role, require_roles
from meriter_shared.clock import Clock, utc_now
from meriter_shared.http import PoolDep
from meriter_shared.secrets import MasterKeys


@dataclass(frozen=True)
class RegistryState:
    settings: Settings
    qa_cache: QaStatusCache
    qa_index: QaIndex
    master_keys: MasterKeys
    token_limits: TokenEndpointLimits
    # CSV submissions under way in this process (settings.csv_concurrent_submissions).
    csv_slots: asyncio.Semaphore
    clock: Clock = utc_now


def get_state(app: FastAPI) -> RegistryState:
    state: RegistryState = app.state.registry
    return state


def get_settings(request: Request) -> Settings:
    return get_state(request.app).settings


def get_now(request: Request) -> datetime:
    """The instant of this request, by the app's clock."""
    return get_state(request.app).clock()


def get_qa_cache(request: Request) -> QaStatusCache:
    return get_state(request.app).qa_cache


def get_master_keys(request: Request) -> MasterKeys:
    return get_state(request.app).master_keys


def get_token_limits(request: Request) -> TokenEndpointLimits:
    return get_state(request.app).token_limits


def get_state_of(request: Request) -> RegistryState:
    return get_state(request.app)


SettingsDep = Annotated[Settings, Depends(get_settings)]
NowDep = Annotated[datetime, Depends(get_now)]
QaCacheDep = Annotated[QaStatusCache, Depends(get_qa_cache)]


def get_qa_index(request: Request) -> QaIndex:
    return get_state(request.app).qa_index


QaIndexDep = Annotated[QaIndex, Depends(get_qa_index)]
MasterKeysDep = Annotated[MasterKeys, Depends(get_master_keys)]
TokenLimitsDep = Annotated[TokenEndpointLimits, Depends(get_token_limits)]
StateDep = Annotated[RegistryState, Depends(get_state_of)]

# The national body (or the admin client acting for it).
# AdminDep comes from the kernel: Annotated[Principal, Depends(require_roles(Role.ADMIN))].
# An agency client (its own reports: checked by the rule) or the admin.
AgencyDep = Annotated[Principal, Depends(require_roles(Role.AGENCY))]
# An institution client (its own offerings: checked by the rule) or the admin.
InstitutionDep = Annotated[Principal, Depends(require_roles(Role.INSTITUTION))]

__all__ = [
    "AdminDep",
    "AgencyDep",
    "Clock",
    "InstitutionDep",
    "MasterKeysDep",
    "NowDep",
    "PoolDep",
    "QaCacheDep",
    "RegistryState",
    "SettingsDep",
    "StateDep",
    "TokenLimitsDep",
    "get_state",
    "utc_now",
]
