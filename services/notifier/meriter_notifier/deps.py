"""The notifier's route dependencies (``Annotated`` aliases)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request

from meriter_notifier.config import Settings
from meriter_shared.auth import PrincipalDep
from meriter_shared.http import PoolDep
from meriter_shared.secrets import MasterKeys

__all__ = ["InstitutionPath", "KeysDep", "PoolDep", "PrincipalDep", "SettingsDep"]


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_keys(request: Request) -> MasterKeys:
    keys: MasterKeys = request.app.state.master_keys
    return keys


SettingsDep = Annotated[Settings, Depends(get_settings)]
KeysDep = Annotated[MasterKeys, Depends(get_keys)]
InstitutionPath = Annotated[
    str, Path(min_length=1, max_length=200, description="The institution's registry id.")
]
