"""Bitstring Status List v1.0: lists, entries, list credentials and the status check.

Invariants:

- Entry ``i`` of a list with ``statusSize`` s occupies bits ``i*s … i*s+s-1``;
  bit 0 is the most significant bit of the first byte.
- ``encodedList`` = multibase base64url (``u``, no padding) of the GZIP of the
  bitstring; lists have at least 131,072 entries (herd privacy), and decoding
  rejects shorter lists and refuses to inflate more than :data:`MAX_LIST_BYTES`
  (a gzip bomb cannot exhaust memory).
- GZIP output uses mtime 0 so the same bits always encode to the same string.
- Index allocation draws uniformly at random with :mod:`secrets` from the free
  indexes, so an index reveals nothing about issue order.
- :func:`check_status` fails closed: an entry whose list is missing, unsigned,
  signed by someone other than its issuer, out of its validity period, of
  another purpose or too short yields ``outcome="error"``, never "valid".
"""

from __future__ import annotations

import copy
import gzip
import secrets
import zlib
from collections.abc import Iterable, Mapping, Set
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from meriter_credentials.did import DidResolver
from meriter_credentials.keys import Ed25519KeyPair
from meriter_credentials.multibase import decode_base64url, encode_base64url
from meriter_credentials.proofs import RDFC, add_proof, verify_proofs, xsd_datetime
from meriter_credentials.values import as_list, parse_stamp

MIN_ENTRIES = 131_072
MAX_LIST_BYTES = 16 * 1024 * 1024
VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
PURPOSES = ("revocation", "suspension", "refresh", "message")


class StatusListError(ValueError):
    """A status list or entry is malformed."""


class BitstringStatusList:
    """A mutable bitstring of ``length`` entries of ``status_size`` bits each."""

    def __init__(self, length: int = MIN_ENTRIES, *, status_size: int = 1) -> None:
        if status_size < 1:
            raise StatusListError("statusSize must be at least 1")
        if length < MIN_ENTRIES:
            raise StatusListError(f"a status list has at least {MIN_ENTRIES} entries")
        self.length = length
        self.status_size = status_size
        self._bits = bytearray((length * status_size + 7) // 8)

    @classmethod
    def from_bytes(cls, data: bytes, *, status_size: int = 1) -> BitstringStatusList:
        length = len(data) * 8 // status_size
        if length < MIN_ENTRIES:
            raise StatusListError(
                f"status list has {length} entries; at least {MIN_ENTRIES} are required"
            )
        result = cls(length, status_size=status_size)
        result._bits[:] = data[: len(result._bits)]
        return result

    def to_bytes(self) -> bytes:
        return bytes(self._bits)

    def _check(self, index: int) -> None:
        if not 0 <= index < self.length:
            raise StatusListError(f"status list index {index} is outside 0..{self.length - 1}")

    def get(self, index: int) -> int:
        self._check(index)
        value = 0
        for bit in range(index * self.status_size, (index + 1) * self.status_size):
            value = (value << 1) | ((self._bits[bit // 8] >> (7 - bit % 8)) & 1)
        return value

    def set(self, index: int, value: int = 1) -> None:
        self._check(index)
        if not 0 <= value < (1 << self.status_size):
            raise StatusListError(f"value {value} does not fit in {self.status_size} bits")
        start = index * self.status_size
        for offset in range(self.status_size):
            bit = start + offset
            mask = 1 << (7 - bit % 8)
            if (value >> (self.status_size - 1 - offset)) & 1:
                self._bits[bit // 8] |= mask
            else:
                self._bits[bit // 8] &= ~mask & 0xFF

    def encode(self) -> str:
        return encode_base64url(gzip.compress(self.to_bytes(), mtime=0))

    @classmethod
    def decode(cls, encoded: str, *, status_size: int = 1) -> BitstringStatusList:
        try:
            compressed = decode_base64url(encoded)
            # wbits 16+MAX_WBITS: gzip framing; max_length caps the inflated size.
            inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
            data = inflater.decompress(compressed, MAX_LIST_BYTES)
        except (ValueError, zlib.error) as exc:
            raise StatusListError(f"encodedList is not base64url GZIP: {exc}") from exc
        if inflater.unconsumed_tail:
            raise StatusListError(f"encodedList inflates beyond {MAX_LIST_BYTES} bytes")
        if not inflater.eof:
            raise StatusListError("encodedList GZIP stream is truncated")
        return cls.from_bytes(data, status_size=status_size)


def allocate_index(used: Set[int], *, length: int = MIN_ENTRIES) -> int:
    """A cryptographically random index in ``0..length-1`` not in ``used``."""
    free = length - sum(1 for i in used if 0 <= i < length)
    if free <= 0:
        raise StatusListError("status list is full")
    if len(used) < length // 2:
        # Rejection sampling is uniform over the free indexes and cheap while
        # the list is at most half full.
        while True:
            candidate = secrets.randbelow(length)
            if candidate not in used:
                return candidate
    pick = secrets.randbelow(free)
    for index in range(length):
        if index not in used:
            if pick == 0:
                return index
            pick -= 1
    raise StatusListError("status list is full")  # unreachable: free > 0


def status_entry(
    list_credential: str,
    index: int,
    *,
    purpose: str = "revocation",
    status_size: int | None = None,
) -> dict[str, Any]:
    """A ``BitstringStatusListEntry`` for ``credentialStatus``."""
    if purpose not in PURPOSES:
        raise StatusListError(f"unknown statusPurpose {purpose!r}")
    entry: dict[str, Any] = {
        "id": f"{list_credential}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": purpose,
        "statusListIndex": str(index),
        "statusListCredential": list_credential,
    }
    if status_size is not None and status_size != 1:
        entry["statusSize"] = status_size
    return entry


def status_list_credential(
    list_id: str,
    *,
    issuer: str,
    purpose: str,
    status_list: BitstringStatusList,
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
    ttl_ms: int | None = None,
) -> dict[str, Any]:
    """An unsigned ``BitstringStatusListCredential`` publishing ``status_list``."""
    if purpose not in PURPOSES:
        raise StatusListError(f"unknown statusPurpose {purpose!r}")
    subject: dict[str, Any] = {
        "id": f"{list_id}#list",
        "type": "BitstringStatusList",
        "statusPurpose": purpose,
        "encodedList": status_list.encode(),
    }
    if ttl_ms is not None:
        subject["ttl"] = ttl_ms
    credential: dict[str, Any] = {
        "@context": [VC_V2_CONTEXT],
        "id": list_id,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "validFrom": xsd_datetime(valid_from),
        "credentialSubject": subject,
    }
    if valid_until is not None:
        credential["validUntil"] = xsd_datetime(valid_until)
    return credential


def sign_status_list_credential(
    credential: Mapping[str, Any], key: Ed25519KeyPair, *, suite: str = RDFC
) -> dict[str, Any]:
    if credential.get("issuer") != key.controller:
        credential = {**copy.deepcopy(dict(credential)), "issuer": key.controller}
    return add_proof(credential, key, suite=suite)


@dataclass(frozen=True)
class StatusResult:
    """Outcome of one ``credentialStatus`` entry."""

    entry_id: str | None
    purpose: str | None
    list_credential: str | None
    index: int | None
    outcome: Literal["valid", "revoked", "suspended", "set", "error"]
    value: int | None
    message: str


def _issuer_id(credential: Mapping[str, Any]) -> str | None:
    issuer = credential.get("issuer")
    if isinstance(issuer, dict):
        issuer = issuer.get("id")
    return issuer if isinstance(issuer, str) else None


_parse_time = parse_stamp


@dataclass(frozen=True)
class StatusEntry:
    """A parsed ``BitstringStatusListEntry``."""

    entry_id: str | None
    purpose: str
    list_credential: str
    index: int
    status_size: int


def parse_entry(entry: Any) -> StatusEntry | StatusResult:
    """The entry's fields, or an error result saying what is wrong with it."""
    entry_id = entry.get("id") if isinstance(entry, dict) else None
    entry_id = entry_id if isinstance(entry_id, str) else None

    def error(message: str, purpose: str | None = None, url: str | None = None) -> StatusResult:
        return StatusResult(entry_id, purpose, url, None, "error", None, message)

    if not isinstance(entry, dict):
        return error("credentialStatus entry is not an object")
    if entry.get("type") != "BitstringStatusListEntry":
        return error(f"unsupported credentialStatus type {entry.get('type')!r}")
    purpose, url, raw_index = (
        entry.get("statusPurpose"),
        entry.get("statusListCredential"),
        entry.get("statusListIndex"),
    )
    if not isinstance(purpose, str):
        return error("statusPurpose missing")
    if not isinstance(url, str):
        return error("statusListCredential missing", purpose)
    if not isinstance(raw_index, str) or not raw_index.isdigit() or not raw_index.isascii():
        return error("statusListIndex must be a string of decimal digits", purpose, url)
    if len(raw_index) > 12:
        return error("statusListIndex is out of range", purpose, url)
    status_size = entry.get("statusSize", 1)
    if not isinstance(status_size, int) or isinstance(status_size, bool) or status_size < 1:
        return error("statusSize must be a positive integer", purpose, url)
    if status_size > 64:
        return error("statusSize is out of range", purpose, url)
    return StatusEntry(entry_id, purpose, url, int(raw_index), status_size)


@dataclass
class VerifiedStatusList:
    """A status list credential whose proof, issuer and shape were checked once.

    What still depends on the moment or on the credential (its validity
    period, the credential's issuer, the entry's purpose and index) is
    checked by :meth:`status` on every use; decoded bits are kept per
    ``statusSize``.
    """

    url: str
    issuer: str | None
    purposes: tuple[str, ...]
    valid_from: datetime | None
    valid_until: datetime | None
    encoded: str
    ttl_ms: int | None = None
    _decoded: dict[int, BitstringStatusList] = field(default_factory=dict, repr=False)

    def bits(self, status_size: int) -> BitstringStatusList:
        found = self._decoded.get(status_size)
        if found is None:
            found = BitstringStatusList.decode(self.encoded, status_size=status_size)
            self._decoded[status_size] = found
        return found

    def status(
        self, entry: StatusEntry, *, now: datetime, credential_issuer: str | None = None
    ) -> StatusResult:
        def error(message: str) -> StatusResult:
            return StatusResult(
                entry.entry_id,
                entry.purpose,
                entry.list_credential,
                entry.index,
                "error",
                None,
                message,
            )

        if credential_issuer is not None and self.issuer != credential_issuer:
            return error("status list credential is issued by someone else than the credential")
        if self.valid_from is not None and self.valid_from > now:
            return error("status list credential is not yet valid")
        if self.valid_until is not None and self.valid_until < now:
            return error("status list credential has expired")
        if entry.purpose not in self.purposes:
            shown = self.purposes[0] if len(self.purposes) == 1 else list(self.purposes)
            return error(f"status list purpose {shown!r} does not match {entry.purpose!r}")
        try:
            value = self.bits(entry.status_size).get(entry.index)
        except StatusListError as exc:
            return error(str(exc))
        purpose = entry.purpose
        if value == 0:
            return StatusResult(
                entry.entry_id,
                purpose,
                self.url,
                entry.index,
                "valid",
                0,
                f"{purpose} status not set",
            )
        outcome: Literal["revoked", "suspended", "set"] = (
            "revoked"
            if purpose == "revocation"
            else "suspended"
            if purpose == "suspension"
            else "set"
        )
        return StatusResult(
            entry.entry_id,
            purpose,
            self.url,
            entry.index,
            outcome,
            value,
            f"{purpose} status is {value}",
        )


def verify_status_list_credential(
    url: str,
    list_credential: Mapping[str, Any],
    *,
    resolver: DidResolver,
    now: datetime,
    max_work: int | None = None,
) -> VerifiedStatusList:
    """Check a list credential once: id, type, proof by its issuer, shape, dates.

    Raises :class:`StatusListError` saying what is wrong. The list's bits are
    decoded (and their size checked) on first use.
    """
    if not isinstance(list_credential, Mapping):
        raise StatusListError("status list credential is not a JSON object")
    if list_credential.get("id") != url:
        raise StatusListError("status list credential id differs from statusListCredential")
    types = as_list(list_credential.get("type"))
    if "BitstringStatusListCredential" not in types:
        raise StatusListError("status list credential is not a BitstringStatusListCredential")
    list_issuer = _issuer_id(list_credential)
    results = verify_proofs(list_credential, resolver=resolver, now=now, max_work=max_work)
    good = [r for r in results if r.verified and r.controller == list_issuer]
    if not results:
        raise StatusListError("status list credential has no proof")
    if not good or len(good) != len(results):
        reasons = "; ".join(
            r.error or "not controlled by its issuer" for r in results if r not in good
        )
        raise StatusListError(f"status list credential proof failed: {reasons}")
    try:
        valid_from = (
            _parse_time(list_credential["validFrom"]) if "validFrom" in list_credential else None
        )
        valid_until = (
            _parse_time(list_credential["validUntil"]) if "validUntil" in list_credential else None
        )
    except ValueError as exc:
        raise StatusListError(
            f"status list credential validity dates are malformed: {exc}"
        ) from exc
    subject = list_credential.get("credentialSubject")
    if not isinstance(subject, dict) or subject.get("type") != "BitstringStatusList":
        raise StatusListError("status list credentialSubject is not a BitstringStatusList")
    purposes = tuple(p for p in as_list(subject.get("statusPurpose")) if isinstance(p, str))
    encoded = subject.get("encodedList")
    if not isinstance(encoded, str):
        raise StatusListError("encodedList missing")
    ttl = subject.get("ttl")
    return VerifiedStatusList(
        url=url,
        issuer=list_issuer,
        purposes=purposes,
        valid_from=valid_from,
        valid_until=valid_until,
        encoded=encoded,
        ttl_ms=ttl if isinstance(ttl, int) and not isinstance(ttl, bool) and ttl >= 0 else None,
    )


def check_status(
    entry: Any,
    *,
    status_lists: Mapping[str, Mapping[str, Any]],
    resolver: DidResolver,
    now: datetime,
    credential_issuer: str | None = None,
    max_work: int | None = None,
) -> StatusResult:
    """The status a verifier derives from one ``BitstringStatusListEntry``.

    ``status_lists`` maps list credential URLs to list credentials the caller
    obtained (nothing is fetched here). A bit set under ``revocation`` gives
    "revoked", under ``suspension`` "suspended", under other purposes "set".
    """
    parsed = parse_entry(entry)
    if isinstance(parsed, StatusResult):
        return parsed
    list_credential = status_lists.get(parsed.list_credential)
    if list_credential is None:
        return StatusResult(
            parsed.entry_id,
            parsed.purpose,
            parsed.list_credential,
            parsed.index,
            "error",
            None,
            f"status list credential {parsed.list_credential} was not provided "
            "(nothing is fetched)",
        )
    try:
        verified = verify_status_list_credential(
            parsed.list_credential, list_credential, resolver=resolver, now=now, max_work=max_work
        )
    except StatusListError as exc:
        return StatusResult(
            parsed.entry_id,
            parsed.purpose,
            parsed.list_credential,
            parsed.index,
            "error",
            None,
            str(exc),
        )
    return verified.status(parsed, now=now, credential_issuer=credential_issuer)


def status_lists_by_id(credentials: Iterable[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    """Index list credentials by their ``id`` for :func:`check_status`."""
    indexed: dict[str, Mapping[str, Any]] = {}
    for credential in credentials:
        list_id = credential.get("id")
        if isinstance(list_id, str):
            indexed[list_id] = credential
    return indexed
