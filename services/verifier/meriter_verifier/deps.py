"""The verifier's route dependencies (``Annotated`` aliases)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from meriter_shared.http import PoolDep
from meriter_verifier.checks.service import Verifier
from meriter_verifier.components import Components

__all__ = ["ComponentsDep", "PoolDep", "VerifierDep"]


async def get_components(request: Request) -> Components:
    components: Components = request.app.state.components
    return components


async def get_verifier(request: Request) -> Verifier:
    components: Components = request.app.state.components
    return components.verifier


ComponentsDep = Annotated[Components, Depends(get_components)]
VerifierDep = Annotated[Verifier, Depends(get_verifier)]
