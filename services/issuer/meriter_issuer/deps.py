"""The issuer's route dependencies (``Annotated`` aliases)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from meriter_issuer.components import Components
from meriter_issuer.intake.service import institution_of
from meriter_issuer.issuance.signing import Signer
from meriter_shared.auth import PrincipalDep
from meriter_shared.http import PoolDep

__all__ = ["ComponentsDep", "InstitutionDep", "PoolDep", "PrincipalDep", "SignerDep"]


def get_components(request: Request) -> Components:
    components: Components = request.app.state.components
    return components


def get_signer(request: Request) -> Signer:
    signer: Signer = request.app.state.signer
    return signer


async def own_institution(principal: PrincipalDep) -> str:
    """The caller's own institution; other roles may not use institution routes."""
    return institution_of(principal)


ComponentsDep = Annotated[Components, Depends(get_components)]
SignerDep = Annotated[Signer, Depends(get_signer)]
InstitutionDep = Annotated[str, Depends(own_institution)]
