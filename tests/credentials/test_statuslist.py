"""Bitstring Status List: bit order, encoding, spec examples, the verifier's status check."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from meriter_credentials.did import OfflineResolver
from meriter_credentials.keys import Ed25519KeyPair
from meriter_credentials.multibase import encode_base64url
from meriter_credentials.proofs import JCS
from meriter_credentials.statuslist import (
    MIN_ENTRIES,
    BitstringStatusList,
    StatusListError,
    allocate_index,
    check_status,
    sign_status_list_credential,
    status_entry,
    status_list_credential,
)

from .conftest import shared_path

NOW = datetime(2026, 6, 1, tzinfo=UTC)
URL = "https://status.meriter.example/lists/1"


def test_index_zero_is_the_most_significant_bit_of_the_first_byte() -> None:
    bits = BitstringStatusList()
    for index in (0, 7, 8, 94567, 131071):
        bits.set(index)
    raw = bits.to_bytes()
    assert len(raw) == MIN_ENTRIES // 8
    assert raw[0] == 0x81
    assert raw[1] == 0x80
    assert raw[-1] == 0x01


def test_derived_bit_order_vector_matches_when_present() -> None:
    path = shared_path("vectors", "derived", "bitstring-bit-order.json")
    vector = json.loads(path.read_text())
    decoded = BitstringStatusList.decode(vector["encodedList"])
    assert [decoded.get(i) for i in (0, 7, 8, 94567, 131071)] == [1, 1, 1, 1, 1]


def test_encoding_round_trips_and_is_deterministic() -> None:
    bits = BitstringStatusList()
    bits.set(94567)
    encoded = bits.encode()
    assert encoded.startswith("uH4sI")  # base64url of the gzip magic 1f8b08
    assert encoded == bits.encode()
    assert BitstringStatusList.decode(encoded).get(94567) == 1
    assert BitstringStatusList.decode(encoded).get(94566) == 0


@pytest.mark.parametrize(
    "name",
    [
        "03-example-bitstringstatuslistcredential.json",
        "05-a-status-list-verifiable-credential.json",
    ],
)
def test_spec_example_lists_decode_to_131072_zero_bits(name: str) -> None:
    path = shared_path("vectors", "vc-bitstring-status-list", "examples", name)
    encoded = json.loads(path.read_text())["credentialSubject"]["encodedList"]
    decoded = BitstringStatusList.decode(encoded)
    assert decoded.length == MIN_ENTRIES
    assert not any(decoded.to_bytes())


def test_spec_example_entry_has_the_shape_status_entry_builds() -> None:
    path = shared_path(
        "vectors",
        "vc-bitstring-status-list",
        "examples",
        "04-a-revocable-verifiable-credential.json",
    )
    example = json.loads(path.read_text())["credentialStatus"]
    built = status_entry("https://example.com/credentials/status/3", 94567)
    assert built == example


def test_multi_bit_status_size_stores_values() -> None:
    bits = BitstringStatusList(status_size=2)
    bits.set(5, 2)
    assert bits.get(5) == 2
    assert BitstringStatusList.decode(bits.encode(), status_size=2).get(5) == 2


def test_list_shorter_than_131072_entries_is_rejected() -> None:
    import gzip

    short = encode_base64url(gzip.compress(bytes(1024)))
    with pytest.raises(StatusListError):
        BitstringStatusList.decode(short)


def test_oversized_gzip_bomb_is_refused() -> None:
    import gzip

    bomb = encode_base64url(gzip.compress(bytes(32 * 1024 * 1024)))
    with pytest.raises(StatusListError):
        BitstringStatusList.decode(bomb)


def test_allocated_indexes_avoid_used_ones_and_spread() -> None:
    used = set(range(0, MIN_ENTRIES, 2))
    picks = {allocate_index(used) for _ in range(50)}
    assert all(p % 2 == 1 for p in picks)
    assert len(picks) > 40


def test_full_list_cannot_allocate() -> None:
    with pytest.raises(StatusListError):
        allocate_index(set(range(MIN_ENTRIES)))


def _published(
    purpose: str,
    *,
    revoked: tuple[int, ...] = (),
    key: Ed25519KeyPair | None = None,
    valid_until: datetime | None = None,
) -> tuple[dict[str, Any], Ed25519KeyPair]:
    key = key or Ed25519KeyPair.from_seed(bytes(range(32)))
    bits = BitstringStatusList()
    for index in revoked:
        bits.set(index)
    unsigned = status_list_credential(
        URL,
        issuer=key.controller,
        purpose=purpose,
        status_list=bits,
        valid_from=NOW - timedelta(days=1),
        valid_until=valid_until,
    )
    return sign_status_list_credential(unsigned, key, suite=JCS), key


def _check(entry: dict[str, Any], lists: dict[str, Any], issuer: str) -> str:
    return check_status(
        entry, status_lists=lists, resolver=OfflineResolver(), now=NOW, credential_issuer=issuer
    ).outcome


def test_revoked_index_is_reported_revoked() -> None:
    published, key = _published("revocation", revoked=(42,))
    assert _check(status_entry(URL, 42), {URL: published}, key.controller) == "revoked"
    assert _check(status_entry(URL, 43), {URL: published}, key.controller) == "valid"


def test_suspended_index_is_reported_suspended() -> None:
    published, key = _published("suspension", revoked=(7,))
    entry = status_entry(URL, 7, purpose="suspension")
    assert _check(entry, {URL: published}, key.controller) == "suspended"


def test_purpose_mismatch_is_an_error() -> None:
    published, key = _published("suspension")
    assert _check(status_entry(URL, 1), {URL: published}, key.controller) == "error"


def test_tampered_list_is_an_error() -> None:
    published, key = _published("revocation", revoked=(42,))
    published["credentialSubject"]["encodedList"] = BitstringStatusList().encode()
    assert _check(status_entry(URL, 42), {URL: published}, key.controller) == "error"


def test_list_from_another_issuer_is_an_error() -> None:
    published, _ = _published("revocation", key=Ed25519KeyPair.from_seed(bytes(32)))
    issuer = Ed25519KeyPair.from_seed(bytes(range(32))).controller
    assert _check(status_entry(URL, 1), {URL: published}, issuer) == "error"


def test_expired_list_is_an_error() -> None:
    published, key = _published("revocation", valid_until=NOW - timedelta(hours=1))
    assert _check(status_entry(URL, 1), {URL: published}, key.controller) == "error"


def test_missing_list_is_an_error_not_a_fetch() -> None:
    _, key = _published("revocation")
    assert _check(status_entry(URL, 1), {}, key.controller) == "error"
