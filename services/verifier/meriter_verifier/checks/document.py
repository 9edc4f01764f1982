"""What can be judged from a document alone, given the DID documents it needs.

``examine`` is the CPU-bound part of a verification — structure and JSON
Schema, JSON-LD in safe mode, every proof, Annex I, the learner's salted
hash — as one pure, picklable function, so it runs in a CPU-pool process
(or inline) and the event loop only does I/O. It fetches nothing: did:key
resolves from the key, any other DID only from ``did_docs``.

Invariants:
- The document's unsecured form goes through JSON-LD once (``Prepared``):
  the safe-mode check, every RDFC proof of a set and Annex I share that RDF.
- Canonicalization runs under ``VERIFY_MAX_WORK``, so a hostile document
  cannot make the verifier spin.
- Every failure is reported in the result, never raised.
- The result (``Examined``) is plain, frozen data: picklable back from the
  CPU pool, and kept in the result cache as it is.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypedDict

from meriter_credentials import vcdm
from meriter_credentials.did import OfflineResolver
from meriter_credentials.microcredential import (
    ANNEX_I_MANDATORY,
    ANNEX_I_OPTIONAL,
    annex_i_completeness,
    identity_hash,
)
from meriter_credentials.proofs import Prepared, ProofResult, verify_proofs
from meriter_credentials.verification import VERIFY_MAX_WORK

VC_V1 = "https://www.w3.org/2018/credentials/v1"
VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_TYPES = frozenset({"OpenBadgeCredential", "AchievementCredential"})
_DATETIME = re.compile(r"^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


class Problem(TypedDict):
    """One broken rule of the format, as the evidence shows it."""

    code: str
    path: str
    message: str


@dataclass(frozen=True)
class FormatFindings:
    data_model: str | None  # "2.0", "1.1" or None
    open_badges: bool
    types: list[str]
    problems: list[Problem]  # the first 50
    problem_count: int


@dataclass(frozen=True)
class ProofFinding:
    index: int
    verified: bool
    suite: str | None
    verification_method: str | None
    proof_purpose: str | None
    controller: str | None
    created: Any  # the proof's own ``created``, as given
    error: str | None

    @classmethod
    def of(cls, result: ProofResult, proof: Any) -> ProofFinding:
        """``result`` of verifying ``proof``, the document's proof it names by index."""
        created = proof.get("created") if isinstance(proof, dict) else None
        return cls(
            result.index,
            result.verified,
            result.cryptosuite,
            result.verification_method,
            result.proof_purpose,
            result.controller,
            created,
            result.error,
        )

    def evidence(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "verified": self.verified,
            "suite": self.suite,
            "verification_method": self.verification_method,
            "proof_purpose": self.proof_purpose,
            "controller": self.controller,
            "created": self.created,
            "error": self.error,
        }


@dataclass(frozen=True)
class AnnexFindings:
    """Which Annex I elements are present; or why they could not be read."""

    mandatory: dict[str, bool]
    optional: dict[str, bool]
    error: str | None = None


@dataclass(frozen=True)
class HolderMatch:
    matched: bool
    identity_type: Any = None  # the matching identity's ``identityType``
    identities: int = 0  # how many identities were compared, when none matched

    def evidence(self) -> dict[str, Any]:
        if self.matched:
            return {"matched": True, "identity_type": self.identity_type}
        return {"matched": False, "identities": self.identities}


@dataclass(frozen=True)
class Examined:
    """What ``examine`` found. ``annex_i`` is None for a document that is not an Open
    Badges credential, and for a presentation; ``holder`` when no identifier was given."""

    format: FormatFindings
    proofs: list[ProofFinding]
    annex_i: AnnexFindings | None = None
    holder: HolderMatch | None = None


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def issuer_id(document: Mapping[str, Any]) -> str | None:
    issuer = document.get("issuer")
    if isinstance(issuer, dict):
        issuer = issuer.get("id")
    return issuer if isinstance(issuer, str) else None


def parse_moment(value: Any) -> datetime | None:
    """An ISO 8601 instant with a time zone, in UTC; None for anything else."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.astimezone(UTC) if moment.tzinfo is not None else None


def data_model(document: Mapping[str, Any]) -> str | None:
    """ "2.0", "1.1" or None, by the first ``@context``."""
    contexts = as_list(document.get("@context"))
    first = contexts[0] if contexts else None
    return "2.0" if first == VC_V2 else "1.1" if first == VC_V1 else None


def _v1_problems(document: Mapping[str, Any]) -> list[Problem]:
    """The VC Data Model 1.1 rules checkable on the document alone."""
    problems: list[Problem] = []

    def add(code: str, path: str, message: str) -> None:
        problems.append(Problem(code=code, path=path, message=message))

    if "VerifiableCredential" not in as_list(document.get("type")):
        add("type-required", "/type", "type must include VerifiableCredential")
    if issuer_id(document) is None or not vcdm.is_url(issuer_id(document)):
        add("issuer-invalid", "/issuer", "issuer must be a URL or an object with a URL id")
    if not isinstance(document.get("credentialSubject"), dict | list):
        add("subject-missing", "", "credentialSubject is required")
    for field, required in (("issuanceDate", True), ("expirationDate", False)):
        value = document.get(field)
        if value is None:
            if required:
                add(f"{field}-missing", "", f"{field} is required (VC Data Model 1.1)")
        elif not isinstance(value, str) or not _DATETIME.match(value):
            add(f"{field}-invalid", f"/{field}", f"{field} must be an XML Schema dateTime")
    return problems


def _format(document: Mapping[str, Any], prepared: Prepared) -> FormatFindings:
    model = data_model(document)
    types = [t for t in as_list(document.get("type")) if isinstance(t, str)]
    if model == "1.1":
        problems = _v1_problems(document)
    else:
        problems = [
            Problem(code=p.code, path=p.path, message=p.message)
            for p in vcdm.validate(document, jsonld=False)
        ]
    jsonld_error = None
    if "@context" in document:
        try:
            prepared.quads()
        except RecursionError:
            jsonld_error = "the document nests too deeply"
        except Exception as exc:
            jsonld_error = f"{type(exc).__name__}: {exc}"
    if jsonld_error:
        problems.append(Problem(code="jsonld", path="", message=jsonld_error))
    return FormatFindings(
        data_model=model,
        open_badges=bool(OB_TYPES & set(types)),
        types=types,
        problems=problems[:50],
        problem_count=len(problems),
    )


def _annex(document: Mapping[str, Any], prepared: Prepared) -> AnnexFindings | None:
    types = set(as_list(document.get("type")))
    if not OB_TYPES & types:
        return None
    try:
        present = annex_i_completeness(document, quads=prepared.quads())
    except Exception as exc:
        return AnnexFindings({}, {}, error=f"{type(exc).__name__}: {exc}")
    return AnnexFindings(
        mandatory={k: present[k] for k in ANNEX_I_MANDATORY},
        optional={k: present[k] for k in ANNEX_I_OPTIONAL},
    )


def _identities(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    found = []
    for subject in as_list(document.get("credentialSubject")):
        if isinstance(subject, dict):
            found += [i for i in as_list(subject.get("identifier")) if isinstance(i, dict)]
    return found


def holder_match(document: Mapping[str, Any], identifier: str) -> HolderMatch:
    """Whether ``identifier`` is the one the credential's identity objects hold (hashed)."""
    identities = _identities(document)
    for identity in identities:
        claimed = identity.get("identityHash")
        if not isinstance(claimed, str):
            continue
        if identity.get("hashed") is True or claimed.startswith(("sha256$", "md5$")):
            raw_salt = identity.get("salt")
            salt = raw_salt if isinstance(raw_salt, str) else ""
            if claimed.startswith("sha256$") and identity_hash(identifier, salt) == claimed:
                return HolderMatch(True, identity_type=identity.get("identityType"))
        elif claimed == identifier:
            return HolderMatch(True, identity_type=identity.get("identityType"))
    return HolderMatch(False, identities=len(identities))


def examine(
    document: dict[str, Any],
    did_docs: dict[str, dict[str, Any]],
    now: datetime,
    holder_identifier: str | None = None,
    expected_purpose: str = "assertionMethod",
) -> Examined:
    """Format, proofs, Annex I and holder of one credential (or a presentation's own
    format and proofs, with ``expected_purpose="authentication"``)."""
    prepared = Prepared(document)
    try:
        found = _format(document, prepared)
    except Exception as exc:  # a crashing rule must not pass a credential, nor answer 5xx
        problem = Problem(code="crash", path="", message=f"{type(exc).__name__}: {exc}")
        found = FormatFindings(None, False, [], [problem], 1)
    results = verify_proofs(
        document,
        resolver=OfflineResolver(did_docs),
        expected_purpose=expected_purpose,
        now=now,
        max_work=VERIFY_MAX_WORK,
        prepared=prepared,
    )
    raw = as_list(document.get("proof"))
    proofs = [ProofFinding.of(r, raw[r.index] if r.index < len(raw) else None) for r in results]
    if expected_purpose != "assertionMethod":
        return Examined(found, proofs)
    holder = holder_match(document, holder_identifier) if holder_identifier is not None else None
    return Examined(found, proofs, _annex(document, prepared), holder)
