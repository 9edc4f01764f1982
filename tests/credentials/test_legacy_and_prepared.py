"""Legacy Ed25519Signature2020 proofs, one canonicalization per proof set, status lists
checked once and read many times, Annex I from RDF already made."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from meriter_credentials.did import OfflineResolver
from meriter_credentials.keys import Ed25519KeyPair
from meriter_credentials.microcredential import annex_i_completeness
from meriter_credentials.proofs import JCS, RDFC, Prepared, add_proof, verify_proofs
from meriter_credentials.samples import sample_credential
from meriter_credentials.statuslist import (
    BitstringStatusList,
    StatusEntry,
    StatusListError,
    StatusResult,
    parse_entry,
    sign_status_list_credential,
    status_entry,
    status_list_credential,
    verify_status_list_credential,
)

from .conftest import shared_path

KEY = Ed25519KeyPair.from_seed(bytes(range(32)))
NOW = datetime(2026, 6, 1, tzinfo=UTC)
LIST = "https://status.example/lists/1"


def _legacy_vector() -> dict[str, Any]:
    path = shared_path(
        "vectors", "vc-di-eddsa", "TestVectors", "Ed25519Signature2020", "signedEdSig.json"
    )
    document: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return document


def test_the_ed25519signature2020_vector_verifies_and_names_its_suite() -> None:
    [result] = verify_proofs(_legacy_vector(), resolver=OfflineResolver())
    assert result.verified, result.error
    assert result.cryptosuite == "Ed25519Signature2020"


def test_a_changed_ed25519signature2020_credential_fails() -> None:
    document = _legacy_vector()
    document["credentialSubject"]["alumniOf"] = "Another School"
    [result] = verify_proofs(document, resolver=OfflineResolver())
    assert not result.verified
    assert result.error == "signature does not match"


def test_a_proof_set_verifies_the_same_with_one_shared_canonicalization() -> None:
    other = Ed25519KeyPair.from_seed(bytes(range(1, 33)))
    document = {**sample_credential(), "issuer": {"id": KEY.controller, "name": "U"}}
    signed = add_proof(add_proof(document, KEY, suite=RDFC), other, suite=JCS)
    prepared = Prepared(signed)
    shared = verify_proofs(signed, resolver=OfflineResolver(), prepared=prepared)
    alone = verify_proofs(signed, resolver=OfflineResolver())
    assert shared == alone
    assert all(r.verified for r in shared)
    assert (RDFC, None) in prepared._canonical


def test_a_prepared_document_is_only_lent_to_proofs_of_that_document() -> None:
    signed = add_proof({**sample_credential(), "issuer": {"id": KEY.controller}}, KEY)
    tampered = copy.deepcopy(signed)
    tampered["name"] = "Something else"
    [result] = verify_proofs(tampered, resolver=OfflineResolver(), prepared=Prepared(signed))
    assert not result.verified


def test_annex_i_from_given_quads_equals_annex_i_from_the_document() -> None:
    signed = add_proof({**sample_credential(), "issuer": {"id": KEY.controller}}, KEY)
    quads = Prepared(signed).quads()
    assert annex_i_completeness(signed, quads=quads) == annex_i_completeness(signed)


def _list(bits: BitstringStatusList, **kw: Any) -> dict[str, Any]:
    unsigned = status_list_credential(
        LIST, issuer=KEY.controller, purpose="revocation", status_list=bits, **kw
    )
    return sign_status_list_credential(unsigned, KEY)


def test_a_list_checked_once_answers_every_index_and_keeps_checking_dates() -> None:
    bits = BitstringStatusList()
    bits.set(7)
    verified = verify_status_list_credential(
        LIST,
        _list(
            bits,
            valid_from=datetime(2026, 1, 1, tzinfo=UTC),
            valid_until=datetime(2026, 7, 1, tzinfo=UTC),
        ),
        resolver=OfflineResolver(),
        now=NOW,
    )
    entry = parse_entry(status_entry(LIST, 7))
    assert isinstance(entry, StatusEntry)
    assert verified.status(entry, now=NOW).outcome == "revoked"
    fresh = parse_entry(status_entry(LIST, 8))
    assert isinstance(fresh, StatusEntry)
    assert verified.status(fresh, now=NOW).outcome == "valid"
    later = verified.status(entry, now=datetime(2026, 8, 1, tzinfo=UTC))
    assert (later.outcome, later.message) == ("error", "status list credential has expired")
    other = verified.status(entry, now=NOW, credential_issuer="did:example:other")
    assert other.outcome == "error"


def test_a_tampered_list_is_refused_when_checked() -> None:
    tampered = _list(BitstringStatusList())
    tampered["credentialSubject"]["encodedList"] = BitstringStatusList().encode() + "A"
    with pytest.raises(StatusListError, match="proof failed"):
        verify_status_list_credential(LIST, tampered, resolver=OfflineResolver(), now=NOW)


@pytest.mark.parametrize(
    "index", ["-1", "1e3", "٣", "9" * 13, 5], ids=["negative", "exp", "arabic", "huge", "int"]
)
def test_an_entry_with_a_bad_index_is_an_error(index: Any) -> None:
    entry = {**status_entry(LIST, 0), "statusListIndex": index}
    parsed = parse_entry(entry)
    assert isinstance(parsed, StatusResult)
    assert parsed.outcome == "error"
