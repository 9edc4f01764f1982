"""An offering judged by the credential engine's Annex I model: the code that issues.

Every result posted for an offering becomes a credential built from the
offering's fields by :class:`meriter_credentials.microcredential.MicroCredential`
(the issuer's ``issuance/build.py``). So the registry checks an offering by
building that model from it, the way the issuer maps it, with stand-ins for
what an offering does not hold (the learner, the awarding body, the date,
the quality assurance): a fault then is a fault at issuance, found at the
door that owns the data instead of on every result.

Invariants: :func:`faults` takes any JSON object — a stored body written by
an older registry included — and never raises; it returns ``[]`` exactly
when the engine accepts the offering's fields. Each fault names the
offering's own field (``participation_form``, not the engine's
``participation``) in the kernel's error item shape, and a value outside a
vocabulary is reported with the values allowed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Final

from pydantic import ValidationError

from meriter_credentials.microcredential import (
    AwardingBody,
    Integration,
    Learner,
    MicroCredential,
    QualityAssurance,
    QualityAssuranceType,
)

# The engine's field → the offering's field it is made from (as the issuer maps it).
_FIELD: Final = {
    "title": "title",
    "learning_outcomes": "learning_outcomes",
    "ects": "ects",
    "eqf_level": "eqf_level",
    "qf_ehea_cycle": "qf_ehea_cycle",
    "assessment_type": "assessment_type",
    "participation": "participation_form",
    "prerequisites": "prerequisites",
    "further_information": "stackability",
    "field_of_study": "field_of_study",
    "language": "language",
    "integration": "stackable",
}
# The engine's one rule across fields an offering can break: the QF-EHEA cycle
# and the EQF level must agree (an offering always has an EQF level), told on
# the cycle; another such rule is told on the offering as a whole.
_LEVEL_RULE: Final = ("QF-EHEA", "qf_ehea_cycle")

# What issuance takes from elsewhere; any valid value will do here.
_LEARNER: Final = Learner(name="stand-in", identifier="stand-in", salt="stand-in")
_AWARDING_BODY: Final = AwardingBody(
    did="did:web:registry.invalid", name="stand-in", country_code="SE"
)
_QA: Final = QualityAssurance(type=QualityAssuranceType.EXTERNAL_INSTITUTIONAL)
_ISSUED: Final = datetime(2026, 1, 1, tzinfo=UTC)


def faults(offering: dict[str, Any]) -> list[dict[str, Any]]:
    """What keeps the engine from making a credential of ``offering`` (``[]``: nothing)."""
    fields = {engine: offering.get(own) for engine, own in _FIELD.items()}
    # As the issuer builds it: empty texts are "none", stackable picks the integration.
    for optional in ("prerequisites", "further_information", "qf_ehea_cycle"):
        fields[optional] = fields[optional] or None
    fields["integration"] = (
        Integration.STACKABLE if offering.get("stackable") else Integration.STANDALONE
    )
    try:
        MicroCredential.model_validate(
            {
                **fields,
                "learner": _LEARNER,
                "awarding_body": _AWARDING_BODY,
                "quality_assurance": _QA,
                "issued": _ISSUED,
                "description": "stand-in",
                "achievement_id": "urn:meriter:offering",
            }
        )
    except ValidationError as exc:
        return [_item(error) for error in exc.errors(include_url=False, include_input=False)]
    except (TypeError, ValueError) as exc:  # a body of another shape altogether
        return [_fault("", str(exc), "invalid")]
    return []


def reasons(offering: dict[str, Any]) -> list[str]:
    """:func:`faults` as sentences (``field: message``), for a person reading a list."""
    return [f"{f['field'] or 'offering'}: {f['message']}" for f in faults(offering)]


def _item(error: Any) -> dict[str, Any]:
    loc = [str(p) for p in error.get("loc", ())]
    message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
    if loc:
        path = [_FIELD.get(loc[0], loc[0]), *loc[1:]]
    else:
        marker, field = _LEVEL_RULE
        path = [field] if marker in message else []
    return _fault("/".join(path), message, str(error.get("type", "invalid")))


def _fault(path: str, message: str, code: str) -> dict[str, Any]:
    return {
        "in": "body",
        "pointer": "/" + path if path else "",
        "field": path.replace("/", "."),
        "message": message,
        "code": code,
    }
