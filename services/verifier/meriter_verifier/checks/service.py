"""The verification rules: one explained check per question, and the verdict.

Checks, in order: ``format``, ``proof``, ``issuer``, ``quality_assurance``,
``validity``, ``status``, ``annex_i``, ``holder``; each is ``pass``,
``fail``, ``warn`` or ``not_applicable`` with a message code, its
parameters and the evidence used.

Invariants:
- The verdict is ``not_verified`` when any check fails, else
  ``verified_with_warnings`` when any warns, else ``verified``; a credential
  without a valid proof by its issuer always fails (``proof``).
- An issuer the registry does not know is a warning, never a failure; so
  is an issuer not quality assured on the date of issuing, and a
  micro-credential missing Annex I elements: the credential is authentic,
  and the answer says what it lacks.
- What needs I/O (DID documents, status lists, the projections) is gathered
  here on the event loop, from caches when warm. What needs CPU (``examine``,
  a list's proof) runs through ``run_cpu`` (the CPU pool, or inline) — except
  a document of at most ``inline_max_chars`` characters of JSON, examined on
  the event loop: for a credential of a few kilobytes the hop to another
  process costs more than the check, while a big (or hostile) document, whose
  canonicalization may take its whole work limit, still leaves the loop free.
- What ``examine`` finds is a pure function of the document, the DID
  documents it was given, the holder identifier and the purpose, so it is
  kept (bounded by bytes) under a digest of all four: a credential seen
  again is not canonicalized again. A document with a proof that expires
  is never kept (its answer depends on the moment).
- No credential content is logged.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Literal

from meriter_credentials.microcredential import ANNEX_I_MANDATORY, ANNEX_I_OPTIONAL
from meriter_credentials.statuslist import StatusEntry, StatusResult, parse_entry
from meriter_shared.db.types import Pool
from meriter_shared.events.registry import AgencyState, InstitutionState, ReportState
from meriter_shared.projections import registry as registry_projection
from meriter_shared.qa import Verdict
from meriter_verifier.checks.document import (
    as_list,
    data_model,
    examine,
    issuer_id,
)
from meriter_verifier.checks.messages import Language, render
from meriter_verifier.fetch import TtlCache
from meriter_verifier.identities.resolver import Resolved, Resolver
from meriter_verifier.status.service import StatusLists, sibling

Status = Literal["pass", "fail", "warn", "not_applicable"]
VerdictName = Literal["verified", "verified_with_warnings", "not_verified"]
CHECK_NAMES = (
    "format",
    "proof",
    "issuer",
    "quality_assurance",
    "validity",
    "status",
    "annex_i",
    "holder",
)
RunCpu = Callable[..., Awaitable[Any]]
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Check:
    name: str
    status: Status
    code: str
    params: dict[str, Any] = field(default_factory=dict)
    evidence: dict[str, Any] = field(default_factory=dict)

    def render(self, lang: Language) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status,
            "message": render(self.code, lang, self.params),
            "evidence": self.evidence,
        }


@dataclass
class Report:
    checks: list[Check]
    credential: dict[str, Any] | None = None  # a summary of what the credential says
    credentials: list[Report] = field(default_factory=list)  # of a presentation

    @property
    def verdict(self) -> VerdictName:
        return verdict_of([c.status for c in self.checks])

    def render(self, lang: Language) -> dict[str, Any]:
        out: dict[str, Any] = {
            "verdict": self.verdict,
            "checks": [c.render(lang) for c in self.checks],
        }
        if self.credential is not None:
            out["credential"] = self.credential
        if self.credentials:
            out["credentials"] = [r.render(lang) for r in self.credentials]
        return out


def verdict_of(statuses: list[Status]) -> VerdictName:
    if "fail" in statuses:
        return "not_verified"
    if "warn" in statuses:
        return "verified_with_warnings"
    return "verified"


def _parse_moment(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.astimezone(UTC) if moment.tzinfo is not None else None


def _day(moment: datetime) -> str:
    return moment.astimezone(UTC).date().isoformat()


def _stamp(moment: datetime) -> str:
    # isoformat, not strftime: the same text (years zero-padded to four digits)
    # in a fraction of the time, on a path every verification takes.
    return moment.astimezone(UTC).replace(microsecond=0, tzinfo=None).isoformat() + "Z"


@dataclass(frozen=True)
class QaAnswer:
    on: Verdict
    today: Verdict
    reports: dict[str, ReportState]
    agencies: dict[str, AgencyState]


class Verifier:
    """Verifies credentials and presentations; holds the caches of one HTTP process."""

    def __init__(
        self,
        *,
        resolver: Resolver,
        status_lists: StatusLists,
        run_cpu: RunCpu,
        cache_ttl_s: float,
        clock: Clock = utc_now,
        max_presentation_credentials: int = 20,
        result_cache_bytes: int = 64 * 1024 * 1024,
        inline_max_chars: int = 64 * 1024,
    ) -> None:
        self.resolver = resolver
        self.inline_max_chars = inline_max_chars
        self.status_lists = status_lists
        self.run_cpu = run_cpu
        self.clock = clock
        self.cache_ttl_s = cache_ttl_s
        self.max_presentation_credentials = max_presentation_credentials
        # (state,): an institution the projection does not hold is kept as (None,)
        self.institutions: TtlCache[str, tuple[InstitutionState | None]] = TtlCache(
            16 * 1024 * 1024
        )
        self.qa: TtlCache[tuple[str, str, str], QaAnswer] = TtlCache(32 * 1024 * 1024)
        self.examined: TtlCache[bytes, dict[str, Any]] = TtlCache(result_cache_bytes)

    async def examine(
        self,
        document: dict[str, Any],
        did_docs: dict[str, dict[str, Any]],
        at: datetime,
        holder_identifier: str | None = None,
        purpose: str = "assertionMethod",
        body: bytes | None = None,
    ) -> dict[str, Any]:
        """``examine`` through the result cache, inline or in the CPU pool by size
        (see the module docstring). ``body``: the request's JSON text that holds
        ``document`` and decides nothing else examine reads, when the caller has
        it: hashing it spares encoding the document again."""
        rest = [did_docs, holder_identifier, purpose]
        size: int | None
        try:
            if body is not None:
                text = json.dumps(rest, separators=(",", ":")).encode("utf-8", "surrogatepass")
                material: bytes | None = body + b"\n" + text
                size = len(body)
            else:
                # Key order is kept as sent: the same credential sent with its keys in
                # another order is only a cache miss, and not sorting is cheaper.
                text = json.dumps([document, *rest], separators=(",", ":")).encode(
                    "utf-8", "surrogatepass"
                )
                material, size = text, len(text)
        except (TypeError, ValueError):
            material, size = None, None
        expires = any(
            isinstance(p, dict) and "expires" in p for p in as_list(document.get("proof"))
        )
        key = None
        if material is not None and not expires and self.examined.max_bytes:
            key = hashlib.sha256(material).digest()
            found = self.examined.get(key)
            if found is not None:
                return found
        args = (document, did_docs, at, holder_identifier, purpose)
        result: dict[str, Any]
        if size is not None and size <= self.inline_max_chars:
            result = examine(*args)
        else:
            result = await self.run_cpu(examine, *args)
        if key is not None:
            self.examined.put(key, result, ttl_s=3600, size=(size or 0) + 1024)
        return result

    def forget_projections(self) -> None:
        """The projections changed: what was read from them is stale."""
        self.resolver.forget_platform()
        self.institutions.clear()
        self.qa.clear()
        self.status_lists.forget_own()

    # -- credentials ---------------------------------------------------------------

    async def verify_credential(
        self,
        pool: Pool,
        document: Any,
        *,
        at: datetime | None = None,
        holder_identifier: str | None = None,
        body: bytes | None = None,
    ) -> Report:
        """``body``: the request's JSON text, when ``document`` is all it holds
        besides ``at`` and the holder (see ``examine``)."""
        now = self.clock()
        at = at or now
        if not isinstance(document, dict):
            return Report(
                [
                    Check(
                        "format",
                        "fail",
                        "format.invalid",
                        {"count": 1, "first": "not a JSON object"},
                    )
                ]
            )
        issuer = issuer_id(document)
        dids = {issuer} if issuer and issuer.startswith("did:") else set()
        for proof in as_list(document.get("proof")):
            if isinstance(proof, dict) and isinstance(proof.get("verificationMethod"), str):
                dids.add(proof["verificationMethod"].split("#", 1)[0])
        resolved = await self._resolve_all(pool, dids)
        did_docs = {
            d: r.document
            for d, r in resolved.items()
            if r.document is not None and r.source != "key"
        }
        examined = await self.examine(document, did_docs, at, holder_identifier, body=body)
        issuer_resolved = resolved.get(issuer) if issuer else None
        institution = await self._institution(pool, issuer_resolved)
        checks = [
            self._format_check(examined["format"]),
            self._proof_check(examined["proofs"], issuer, resolved),
            self._issuer_check(document, issuer, issuer_resolved, institution),
            await self._qa_check(pool, document, institution, now),
            self._validity_check(document, at),
            await self._status_check(pool, document, issuer, issuer_resolved, at),
            self._annex_check(examined.get("annex_i")),
            self._holder_check(examined.get("holder")),
        ]
        return Report(checks, credential=summary(document, institution))

    async def _resolve_all(self, pool: Pool, dids: set[str]) -> dict[str, Resolved]:
        ordered = sorted(dids)
        if len(ordered) == 1:  # the usual case: no tasks to gather
            return {ordered[0]: await self.resolver.resolve(pool, ordered[0])}
        results = await asyncio.gather(*(self.resolver.resolve(pool, d) for d in ordered))
        return dict(zip(ordered, results, strict=True))

    async def _institution(self, pool: Pool, resolved: Resolved | None) -> InstitutionState | None:
        if resolved is None or resolved.institution_id is None:
            return None
        key = resolved.institution_id
        found = self.institutions.get(key)
        if found is not None:
            return found[0]
        async with pool.acquire() as conn:
            state = await registry_projection.institution(conn, key)
        self.institutions.put(key, (state,), ttl_s=self.cache_ttl_s, size=1024)
        return state

    # -- the checks ------------------------------------------------------------------

    @staticmethod
    def _format_check(found: dict[str, Any]) -> Check:
        evidence = {
            "data_model": found["data_model"],
            "open_badges": found["open_badges"],
            "types": found["types"],
            "jsonld_safe_mode": not any(p["code"] == "jsonld" for p in found["problems"]),
            "problems": found["problems"],
        }
        if found["problems"]:
            first = found["problems"][0]
            text = f"{first['path'] or '/'}: {first['message']}"[:300]
            return Check(
                "format",
                "fail",
                "format.invalid",
                {"count": found["problem_count"], "first": text},
                evidence,
            )
        if found["data_model"] == "1.1":
            return Check("format", "warn", "format.legacy", {}, evidence)
        return Check(
            "format", "pass", "format.ok_ob" if found["open_badges"] else "format.ok", {}, evidence
        )

    @staticmethod
    def _proof_check(
        proofs: list[dict[str, Any]], issuer: str | None, resolved: dict[str, Resolved]
    ) -> Check:
        evidence: dict[str, Any] = {"proofs": proofs}
        if not proofs:
            return Check("proof", "fail", "proof.none", {}, evidence)
        failed = [p for p in proofs if not p["verified"]]
        if failed:
            reason = failed[0]["error"] or "invalid"
            did = (failed[0]["verification_method"] or "").split("#", 1)[0]
            if did in resolved and resolved[did].error:
                reason = resolved[did].error or reason
            return Check("proof", "fail", "proof.invalid", {"reason": reason}, evidence)
        by_issuer = [p for p in proofs if p["controller"] == issuer]
        if not by_issuer:
            return Check(
                "proof",
                "fail",
                "proof.not_issuer",
                {"controller": proofs[0]["controller"], "issuer": issuer},
                evidence,
            )
        suites = sorted({p["suite"] for p in proofs if p["suite"]})
        if "Ed25519Signature2020" in suites:
            return Check("proof", "warn", "proof.legacy", {}, evidence)
        return Check("proof", "pass", "proof.ok", {"suites": ", ".join(suites)}, evidence)

    @staticmethod
    def _issuer_check(
        document: dict[str, Any],
        issuer: str | None,
        resolved: Resolved | None,
        institution: InstitutionState | None,
    ) -> Check:
        if issuer is None:
            return Check("issuer", "fail", "issuer.missing")
        evidence: dict[str, Any] = {"id": issuer}
        raw = document.get("issuer")
        if isinstance(raw, dict) and isinstance(raw.get("name"), str):
            evidence["name"] = raw["name"]
        if resolved is None:
            return Check("issuer", "warn", "issuer.not_did", {"issuer": issuer}, evidence)
        evidence["resolved_from"] = resolved.source
        if resolved.document is None:
            evidence["error"] = resolved.error
            return Check(
                "issuer",
                "fail",
                "issuer.unresolved",
                {"did": issuer, "reason": resolved.error},
                evidence,
            )
        if institution is None:
            evidence["registered"] = False
            return Check("issuer", "warn", "issuer.unknown", {"did": issuer}, evidence)
        evidence.update(
            registered=True,
            institution_id=institution.institution_id,
            deqar_id=institution.deqar_id,
            institution_name=institution.name_official,
            country=institution.country,
        )
        if institution.deqar_id:
            return Check(
                "issuer",
                "pass",
                "issuer.known",
                {"name": institution.name_official, "deqar": institution.deqar_id},
                evidence,
            )
        return Check(
            "issuer", "pass", "issuer.known_no_deqar", {"name": institution.name_official}, evidence
        )

    async def qa_answer(self, pool: Pool, institution_id: str, on: date, now: datetime) -> QaAnswer:
        key = (institution_id, on.isoformat(), now.date().isoformat())
        found = self.qa.get(key)
        if found is not None:
            return found
        async with pool.acquire() as conn:
            verdict, reports, agencies = await registry_projection.qa_verdict(
                conn, institution_id, on, now
            )
            today, _, _ = await registry_projection.qa_verdict(
                conn, institution_id, now.date(), now
            )
        answer = QaAnswer(verdict, today, reports, agencies)
        self.qa.put(key, answer, ttl_s=self.cache_ttl_s, size=2048 + 1024 * len(reports))
        return answer

    async def _qa_check(
        self,
        pool: Pool,
        document: dict[str, Any],
        institution: InstitutionState | None,
        now: datetime,
    ) -> Check:
        if institution is None:
            return Check("quality_assurance", "not_applicable", "qa.unknown_issuer")
        issued = _parse_moment(document.get("validFrom") or document.get("issuanceDate"))
        if issued is None:
            return Check("quality_assurance", "warn", "qa.no_date")
        answer = await self.qa_answer(pool, institution.institution_id, issued.date(), now)
        name = institution.name_official
        evidence: dict[str, Any] = {
            "institution_id": institution.institution_id,
            "deqar_id": institution.deqar_id,
            "date_of_issuing": issued.date().isoformat(),
            "quality_assured_on_date": answer.on.quality_assured,
            "quality_assured_today": answer.today.quality_assured,
            "reports": [
                _report_evidence(answer.reports[r.report_id], answer.agencies)
                for r in answer.on.justifying
                if r.report_id in answer.reports
            ],
            "rejected_reports": answer.on.rejected,
            "rule": "meriter_shared.qa: obligatory, not negative, valid on the date, "
            "by an agency EQAR-registered on the date",
        }
        params = {"name": name, "date": issued.date().isoformat()}
        if not answer.on.quality_assured:
            return Check("quality_assurance", "warn", "qa.not_on_date", params, evidence)
        first = answer.on.justifying[0]
        agency = answer.agencies.get(first.agency_id)
        report = answer.reports.get(first.report_id)
        params.update(
            agency=agency.acronym if agency else first.agency_id,
            report=report.local_identifier if report else first.report_id,
        )
        code = "qa.ok_still" if answer.today.quality_assured else "qa.ok_lapsed"
        return Check("quality_assurance", "pass", code, params, evidence)

    @staticmethod
    def _validity_check(document: dict[str, Any], at: datetime) -> Check:
        legacy = data_model(document) == "1.1"
        start_field, end_field = (
            ("issuanceDate", "expirationDate") if legacy else ("validFrom", "validUntil")
        )
        evidence: dict[str, Any] = {"at": _stamp(at)}
        moments: dict[str, datetime | None] = {}
        for name in (start_field, end_field):
            if name in document:
                moments[name] = _parse_moment(document[name])
                evidence[name] = document[name]
                if moments[name] is None:
                    return Check(
                        "validity", "fail", "validity.malformed", {"field": name}, evidence
                    )
        start, end = moments.get(start_field), moments.get(end_field)
        params = {
            "at": _day(at),
            "start": _day(start) if start else "",
            "until": _day(end) if end else "",
            "until_clause": _day(end) if end else "",
        }
        if start is not None and start > at:
            return Check("validity", "fail", "validity.not_yet", params, evidence)
        if end is not None and end < at:
            return Check("validity", "fail", "validity.expired", params, evidence)
        if start is None and end is None:
            return Check("validity", "pass", "validity.open", params, evidence)
        return Check("validity", "pass", "validity.ok", params, evidence)

    async def _status_check(
        self,
        pool: Pool,
        document: dict[str, Any],
        issuer: str | None,
        resolved: Resolved | None,
        at: datetime,
    ) -> Check:
        raw = as_list(document.get("credentialStatus"))
        if not raw:
            return Check("status", "not_applicable", "status.none")
        entries: list[StatusEntry] = []
        outcomes: list[dict[str, Any]] = []
        for item in raw:
            parsed = parse_entry(item)
            if isinstance(parsed, StatusResult):
                outcomes.append(
                    {"purpose": parsed.purpose, "outcome": "error", "message": parsed.message}
                )
            else:
                entries.append(parsed)
        # The platform's micro-credentials carry their revocation entry; the
        # suspension list with the same index is read beside it.
        platform = resolved is not None and resolved.institution_id is not None
        if platform:
            purposes = {e.purpose for e in entries}
            for e in list(entries):
                if (
                    e.purpose == "revocation"
                    and "suspension" not in purposes
                    and self.status_lists.is_own(e.list_credential)
                    and e.list_credential.endswith("-revocation")
                ):
                    entries.append(
                        StatusEntry(
                            None,
                            "suspension",
                            sibling(e.list_credential, "suspension"),
                            e.index,
                            e.status_size,
                        )
                    )
        # A list the cache holds is read without suspending: only the others are
        # fetched, side by side (no tasks to gather on the usual, warm path).
        found = [self.status_lists.cached_status_of(e, at, issuer) for e in entries]
        missing = [i for i, outcome in enumerate(found) if outcome is None]
        fetched = await asyncio.gather(
            *(self.status_lists.status_of(pool, entries[i], at, issuer) for i in missing)
        )
        for i, answer in zip(missing, fetched, strict=True):
            found[i] = answer
        outcomes += [o for o in found if o is not None]
        evidence = {"entries": outcomes}
        for outcome, code in (("revoked", "status.revoked"), ("suspended", "status.suspended")):
            if any(o["outcome"] == outcome for o in outcomes):
                return Check("status", "fail", code, {}, evidence)
        errors = [o for o in outcomes if o["outcome"] == "error"]
        if errors:
            return Check(
                "status", "fail", "status.error", {"reason": errors[0]["message"]}, evidence
            )
        flagged = [o for o in outcomes if o["outcome"] == "set"]
        if flagged:
            return Check(
                "status", "warn", "status.set", {"purpose": flagged[0]["purpose"]}, evidence
            )
        suspended_checked = any(o["purpose"] == "suspension" for o in outcomes)
        return Check("status", "pass", "status.ok", {"and_suspended": suspended_checked}, evidence)

    @staticmethod
    def _annex_check(found: dict[str, Any] | None) -> Check:
        if found is None:
            return Check("annex_i", "not_applicable", "annex.not_applicable")
        if "error" in found:
            return Check("annex_i", "fail", "annex.unreadable", {"reason": found["error"]}, found)
        missing = [k for k, present in found["mandatory"].items() if not present]
        evidence = {**found, "missing": missing}
        if missing:
            return Check(
                "annex_i", "warn", "annex.incomplete", {"missing": ", ".join(missing)}, evidence
            )
        optional = sum(1 for present in found["optional"].values() if present)
        return Check(
            "annex_i",
            "pass",
            "annex.complete",
            {
                "mandatory": len(ANNEX_I_MANDATORY),
                "optional": optional,
                "optional_total": len(ANNEX_I_OPTIONAL),
            },
            evidence,
        )

    @staticmethod
    def _holder_check(found: dict[str, Any] | None) -> Check:
        if found is None:
            return Check("holder", "not_applicable", "holder.not_given")
        if found["matched"]:
            return Check("holder", "pass", "holder.match", {}, found)
        return Check("holder", "fail", "holder.mismatch", {}, found)

    # -- presentations -------------------------------------------------------------

    async def verify_presentation(
        self,
        pool: Pool,
        document: Any,
        *,
        at: datetime | None = None,
        holder_identifier: str | None = None,
        challenge: str | None = None,
        domain: str | None = None,
    ) -> Report:
        at = at or self.clock()
        if not isinstance(document, dict):
            return Report(
                [
                    Check(
                        "format",
                        "fail",
                        "format.invalid",
                        {"count": 1, "first": "not a JSON object"},
                    )
                ]
            )
        dids = set()
        for proof in as_list(document.get("proof")):
            if isinstance(proof, dict) and isinstance(proof.get("verificationMethod"), str):
                dids.add(proof["verificationMethod"].split("#", 1)[0])
        resolved = await self._resolve_all(pool, dids)
        did_docs = {
            d: r.document
            for d, r in resolved.items()
            if r.document is not None and r.source != "key"
        }
        examined = await self.examine(document, did_docs, at, None, "authentication")
        fmt = self._format_check(examined["format"])
        if fmt.status == "pass":
            fmt.code = "format.presentation_ok"
        holder = self._presentation_holder_check(document, examined["proofs"], challenge, domain)
        credentials = [c for c in as_list(document.get("verifiableCredential"))][
            : self.max_presentation_credentials
        ]
        reports = await asyncio.gather(
            *(
                self.verify_credential(pool, c, at=at, holder_identifier=holder_identifier)
                for c in credentials
            )
        )
        # A credential that is not even an object has a format check only: its
        # failure is the presentation's, and it has no other check to combine.
        malformed = [
            c for r in reports for c in r.checks if c.name == "format" and c.status == "fail"
        ]
        checks = [_combine("format", [fmt, *malformed], len(reports)) if malformed else fmt]
        for name in CHECK_NAMES[1:]:
            per = [c for r in reports for c in r.checks if c.name == name]
            if name == "holder":
                per = [holder, *[c for c in per if c.status != "not_applicable"]]
            checks.append(_combine(name, per, len(reports)))
        return Report(checks, credentials=list(reports))

    @staticmethod
    def _presentation_holder_check(
        document: dict[str, Any],
        proofs: list[dict[str, Any]],
        challenge: str | None,
        domain: str | None,
    ) -> Check:
        holder = document.get("holder")
        holder_id = holder.get("id") if isinstance(holder, dict) else holder
        evidence: dict[str, Any] = {"holder": holder_id, "proofs": proofs}
        if not proofs:
            status: Status = "fail" if challenge or domain else "warn"
            return Check("holder", status, "holder.presentation_unsigned", {}, evidence)
        failed = [p for p in proofs if not p["verified"]]
        if failed:
            return Check(
                "holder",
                "fail",
                "holder.presentation_invalid",
                {"reason": failed[0]["error"]},
                evidence,
            )
        raw = [p for p in as_list(document.get("proof")) if isinstance(p, dict)]
        for what, wanted in (("challenge", challenge), ("domain", domain)):
            if wanted is None:
                continue
            if not any(wanted in as_list(p.get(what)) for p in raw):
                return Check(
                    "holder", "fail", "holder.presentation_binding", {"what": what}, evidence
                )
        if isinstance(holder_id, str) and not any(p["controller"] == holder_id for p in proofs):
            return Check(
                "holder",
                "fail",
                "holder.presentation_invalid",
                {"reason": f"not signed by the holder {holder_id}"},
                evidence,
            )
        bound = bool(challenge or domain)
        return Check(
            "holder",
            "pass",
            "holder.presentation_ok",
            {"holder": holder_id or proofs[0]["controller"], "bound": bound},
            evidence,
        )


def _combine(name: str, checks: list[Check], count: int) -> Check:
    """One check of a presentation from its credentials' (and its own) checks of ``name``."""
    if not checks:
        return Check(name, "not_applicable", "presentation.empty")
    order: dict[Status, int] = {"fail": 3, "warn": 2, "pass": 1, "not_applicable": 0}
    worst = max(checks, key=lambda c: order[c.status])
    return Check(
        name,
        worst.status,
        worst.code,
        worst.params,
        {"credentials": count, "each": [c.status for c in checks], "first": worst.evidence},
    )


def _report_evidence(report: ReportState, agencies: dict[str, AgencyState]) -> dict[str, Any]:
    agency = agencies.get(report.agency_id)
    return {
        "report_id": report.id,
        "local_identifier": report.local_identifier,
        "agency": {
            "id": report.agency_id,
            "acronym": agency.acronym if agency else None,
            "name": agency.name if agency else None,
        },
        "activity_type": report.activity_type,
        "status": report.status,
        "decision": report.decision,
        "valid_from": report.valid_from.isoformat(),
        "valid_to": report.valid_until.isoformat(),
    }


def summary(document: dict[str, Any], institution: InstitutionState | None) -> dict[str, Any]:
    """What the credential says, laid out as a person reads it (for the page)."""
    issuer = document.get("issuer")
    subject: dict[str, Any] = next(
        (s for s in as_list(document.get("credentialSubject")) if isinstance(s, dict)), {}
    )
    raw_achievement = subject.get("achievement")
    achievement: dict[str, Any] = raw_achievement if isinstance(raw_achievement, dict) else {}
    level = None
    for alignment in as_list(achievement.get("alignment")):
        if isinstance(alignment, dict) and isinstance(alignment.get("targetName"), str):
            level = alignment["targetName"]
    education = achievement.get("educationLevel")
    if isinstance(education, dict):
        education = education.get("prefLabel")
    accreditation = achievement.get("accreditation")
    qa_text = None
    if isinstance(accreditation, dict):
        qa_text = accreditation.get("description") or accreditation.get("title")
    return _strings(
        {
            "title": achievement.get("name") or document.get("name"),
            "description": achievement.get("description") or document.get("description"),
            "awarding_body": (issuer.get("name") if isinstance(issuer, dict) else None)
            or (institution.name_official if institution else None),
            "awarding_body_country": (
                issuer.get("address", {}).get("addressCountryCode")
                if isinstance(issuer, dict) and isinstance(issuer.get("address"), dict)
                else None
            ),
            "issuer": issuer_id(document),
            "deqar_id": institution.deqar_id if institution else None,
            "learner": subject.get("name"),
            "ects": achievement.get("creditsAvailable") or subject.get("creditsEarned"),
            "level": level,
            "qf_ehea": education,
            "date": document.get("validFrom") or document.get("issuanceDate"),
            "valid_until": document.get("validUntil") or document.get("expirationDate"),
            "quality_assurance": qa_text,
            "grade": next(
                (
                    r.get("value")
                    for r in as_list(subject.get("result"))
                    if isinstance(r, dict) and "value" in r
                ),
                None,
            ),
            "id": document.get("id"),
        }
    )


def _strings(values: dict[str, Any]) -> dict[str, Any]:
    """Only plain strings and numbers, shortened: the summary never carries structure."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, bool) or value is None:
            continue
        if isinstance(value, int | float):
            out[key] = value
        elif isinstance(value, str):
            out[key] = value[:500]
    return out
