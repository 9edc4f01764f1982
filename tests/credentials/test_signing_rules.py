"""What the engine refuses or adjusts before it signs: blank-node subjects, VC 1.1
contexts; and JSON-LD lists as toRdf defines them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from meriter_credentials.command import main
from meriter_credentials.did import OfflineResolver
from meriter_credentials.jsonld import canonicalize, to_rdf
from meriter_credentials.keys import Ed25519KeyPair
from meriter_credentials.proofs import (
    DATA_INTEGRITY_CONTEXT,
    JCS,
    RDFC,
    ProofError,
    add_proof,
    verify_proofs,
)
from meriter_credentials.vcdm import validate

V1 = "https://www.w3.org/2018/credentials/v1"
V2 = "https://www.w3.org/ns/credentials/v2"
NIL = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#nil>"
KEY = Ed25519KeyPair.from_seed(bytes(range(32)))


def credential(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "@context": [V2],
        "id": "urn:uuid:4b0c2f3e-2222-4c2b-8e0b-3a9f2d6c1e55",
        "type": ["VerifiableCredential"],
        "issuer": KEY.controller,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:learner", "name": "Åsa"},
    }
    return {**body, **changes}


def v1_credential() -> dict[str, Any]:
    return {
        "@context": [V1, {"name": "https://schema.org/name"}],
        "id": "urn:uuid:4b0c2f3e-3333-4c2b-8e0b-3a9f2d6c1e55",
        "type": ["VerifiableCredential"],
        "issuer": KEY.controller,
        "issuanceDate": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:learner", "name": "Åsa"},
    }


@pytest.mark.parametrize("suite", [RDFC, JCS])
def test_a_blank_node_subject_id_is_refused_at_signing(suite: str) -> None:
    with pytest.raises(ProofError, match="blank node"):
        add_proof(credential(credentialSubject={"id": "_:learner", "name": "x"}), KEY, suite=suite)


def test_a_blank_node_id_among_several_subjects_is_refused_at_signing() -> None:
    subjects = [{"id": "did:example:a", "name": "a"}, {"id": "_:b0", "name": "b"}]
    with pytest.raises(ProofError, match="/credentialSubject/1/id"):
        add_proof(credential(credentialSubject=subjects), KEY)


def test_validation_names_a_blank_node_subject_id() -> None:
    problems = validate(credential(credentialSubject={"id": "_:x", "name": "x"}))
    assert [(p.code, p.path) for p in problems] == [("id-blank-node", "/credentialSubject/id")]


def test_meriter_vc_sign_refuses_a_blank_node_subject_id(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key, unsigned, signed = tmp_path / "key.json", tmp_path / "in.json", tmp_path / "out.json"
    assert main(["vc", "keygen", str(key)]) == 0
    unsigned.write_text(json.dumps(credential(credentialSubject={"id": "_:s", "name": "x"})))
    capsys.readouterr()
    assert main(["vc", "sign", "--key", str(key), str(unsigned), str(signed)]) == 1
    assert "blank node" in capsys.readouterr().err
    assert not signed.exists()


@pytest.mark.parametrize("suite", [RDFC, JCS])
def test_a_vc_1_1_credential_gains_the_data_integrity_context_and_verifies(suite: str) -> None:
    signed = add_proof(v1_credential(), KEY, suite=suite)
    assert signed["@context"] == [V1, {"name": "https://schema.org/name"}, DATA_INTEGRITY_CONTEXT]
    results = verify_proofs(signed, resolver=OfflineResolver())
    assert [r.verified for r in results] == [True], results


def test_a_vc_2_0_credential_keeps_its_contexts() -> None:
    assert add_proof(credential(), KEY)["@context"] == [V2]


def test_a_vc_1_1_credential_passes_validation_only_when_allowed() -> None:
    assert [p.code for p in validate(v1_credential())] == ["context-first"]
    assert validate(v1_credential(), allow_v1=True) == []
    without_date = {k: v for k, v in v1_credential().items() if k != "issuanceDate"}
    assert [p.code for p in validate(without_date, allow_v1=True)] == ["issuanceDate-missing"]


LISTS = {"l": {"@id": "https://ex.org/l", "@container": "@list"}, "p": "https://ex.org/p"}


def _objects(value: Any, term: str = "l") -> list[str]:
    quads = to_rdf({"@context": LISTS, "@id": "https://ex.org/s", term: value})
    return [o for s, p, o, _ in quads if s == "<https://ex.org/s>"]


def test_an_empty_array_under_a_list_container_is_rdf_nil() -> None:
    assert _objects([]) == [NIL]


def test_an_empty_list_object_is_rdf_nil_and_not_wrapped_again() -> None:
    assert _objects({"@list": []}) == [NIL]
    assert _objects({"@list": []}, "p") == [NIL]


def test_an_array_inside_a_list_is_a_nested_list() -> None:
    nquads = canonicalize({"@context": LISTS, "@id": "https://ex.org/s", "l": [[]]})
    assert nquads == (
        "<https://ex.org/s> <https://ex.org/l> _:c14n0 .\n"
        f"_:c14n0 <http://www.w3.org/1999/02/22-rdf-syntax-ns#first> {NIL} .\n"
        f"_:c14n0 <http://www.w3.org/1999/02/22-rdf-syntax-ns#rest> {NIL} .\n"
    )


def test_nested_arrays_outside_lists_are_flattened() -> None:
    assert _objects([["a"], [["b"]]], "p") == ['"a"', '"b"']


def test_every_empty_list_is_its_own_statement() -> None:
    # JSON-LD's node map keeps every list value, so jsonld.js hashes both.
    assert _objects([{"@list": []}, {"@list": []}], "p") == [NIL, NIL]
