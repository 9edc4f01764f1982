"""JSON-LD -> RDF and canonicalize(): vectors, safe mode, contexts, literals."""

from __future__ import annotations

import json
from typing import Any

import pytest

from meriter_credentials.jsonld import (
    ContextNotBundled,
    JsonLdError,
    SafeModeError,
    bundled_context_urls,
    canonicalize,
    load_context,
    to_rdf,
)
from meriter_credentials.rdfc import CanonicalizationLimitExceeded

from .conftest import shared_path

V2 = "https://www.w3.org/ns/credentials/v2"
EX = {"@vocab": "https://example.org/vocab#"}


def _vector(*parts: str) -> Any:
    return json.loads(
        shared_path("vectors", "vc-di-eddsa", "TestVectors", *parts).read_text("utf-8")
    )


def _text(*parts: str) -> str:
    return shared_path("vectors", "vc-di-eddsa", "TestVectors", *parts).read_text("utf-8")


@pytest.mark.parametrize(
    ("folder", "suffix"),
    [
        ("eddsa-rdfc-2022", "DataInt"),
        ("Ed25519Signature2020", "EdSig"),
        ("eddsa-rdfc-2022/employ", "DataInt"),
    ],
)
def test_vc_di_eddsa_canonical_documents_are_reproduced(folder: str, suffix: str) -> None:
    unsigned = "employmentAuth.json" if folder.endswith("employ") else "unsigned.json"
    parts = folder.split("/")
    assert canonicalize(_vector(unsigned)) == _text(*parts, f"canonDoc{suffix}.txt")
    assert canonicalize(_vector(*parts, f"proofConfig{suffix}.json")) == _text(
        *parts, f"proofCanon{suffix}.txt"
    )


def test_every_required_context_is_bundled() -> None:
    required = {
        V2,
        "https://www.w3.org/2018/credentials/v1",
        "https://w3id.org/security/data-integrity/v1",
        "https://w3id.org/security/data-integrity/v2",
        "https://w3id.org/security/multikey/v1",
        "https://www.w3.org/ns/did/v1",
        "https://w3id.org/security/suites/ed25519-2020/v1",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        "https://purl.imsglobal.org/spec/ob/v3p0/context.json",
        "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json",
        "https://www.w3.org/ns/credentials/examples/v1",
        "https://www.w3.org/ns/credentials/examples/v2",
    }
    assert required <= bundled_context_urls()
    assert "@context" in load_context(V2)


def test_unbundled_context_is_refused() -> None:
    with pytest.raises(ContextNotBundled):
        canonicalize(
            {"@context": ["https://evil.example/context.jsonld"], "@id": "urn:x", "urn:p": "v"}
        )


def test_undefined_property_raises_safe_mode_error_naming_term_and_path() -> None:
    with pytest.raises(SafeModeError, match=r"'colour'.*\$\.credentialSubject\.colour"):
        to_rdf(
            {
                "@context": [V2],
                "id": "urn:x:1",
                "type": ["VerifiableCredential"],
                "credentialSubject": {"colour": "red"},
            }
        )


def test_undefined_type_raises_safe_mode_error() -> None:
    with pytest.raises(SafeModeError, match="Unknown"):
        to_rdf({"@context": [V2], "id": "urn:x:1", "type": ["VerifiableCredential", "Unknown"]})


def test_relative_id_raises_safe_mode_error() -> None:
    with pytest.raises(SafeModeError, match="relative"):
        to_rdf({"@context": [V2, EX], "id": "foo", "name": "x"})


def test_keyword_like_key_raises_safe_mode_error() -> None:
    with pytest.raises(SafeModeError, match="@foo"):
        to_rdf({"@context": [V2, EX], "id": "urn:x:1", "@foo": "x"})


def test_protected_term_redefinition_is_refused() -> None:
    with pytest.raises(SafeModeError, match="protected"):
        to_rdf(
            {"@context": [V2, {"name": "https://evil.example/name"}], "id": "urn:x:1", "name": "x"}
        )


def test_reverse_properties_are_processed_by_the_complete_processor() -> None:
    quads = to_rdf(
        {
            "@context": [V2, {"parent": {"@reverse": "https://e.org/child"}}],
            "id": "urn:x:1",
            "parent": {"id": "urn:x:0"},
        }
    )
    assert quads == [("<urn:x:0>", "<https://e.org/child>", "<urn:x:1>", "")]


def test_language_maps_expand_to_language_tagged_strings() -> None:
    doc = {
        "@context": [V2, {"title": {"@id": "https://e.org/title", "@container": "@language"}}],
        "id": "urn:x:1",
        "title": {"en": "Data literacy", "sv": ["Datakunnighet"], "@none": "DL"},
    }
    objects = sorted(q[2] for q in to_rdf(doc))
    assert objects == ['"DL"', '"Data literacy"@en', '"Datakunnighet"@sv']


def test_integer_above_2_pow_53_stays_exact() -> None:
    quads = to_rdf({"@context": [V2, EX], "id": "urn:x:1", "n": 9007199254740993})
    assert (
        "<urn:x:1>",
        "<https://example.org/vocab#n>",
        '"9007199254740993"^^<http://www.w3.org/2001/XMLSchema#integer>',
        "",
    ) in quads


def test_numbers_use_json_ld_canonical_forms() -> None:
    doc = {"@context": [V2, EX], "id": "urn:x:1", "n": [1.5, -0.0, 1e21, 2.0, 1e-7]}
    objects = sorted(q[2].split("^^")[0] for q in to_rdf(doc))
    assert objects == ['"0"', '"1.0E-7"', '"1.0E21"', '"1.5E0"', '"2"']


def test_direction_becomes_i18n_datatype() -> None:
    doc = {
        "@context": [V2, EX],
        "id": "urn:x:1",
        "t": {"@value": "x", "@language": "AR-EG", "@direction": "rtl"},
    }
    assert to_rdf(doc)[0][2] == '"x"^^<https://www.w3.org/ns/i18n#ar-eg_rtl>'


def test_json_literal_uses_jcs_form() -> None:
    doc = {
        "@context": [V2, {"d": {"@id": "https://e.org/d", "@type": "@json"}}],
        "id": "urn:x:1",
        "d": {"b": 1.0, "a": [True, None]},
    }
    assert (
        to_rdf(doc)[0][2]
        == '"{\\"a\\":[true,null],\\"b\\":1}"^^<http://www.w3.org/1999/02/22-rdf-syntax-ns#JSON>'
    )


def test_proof_is_a_separate_named_graph() -> None:
    doc = {
        "@context": [V2],
        "id": "urn:x:1",
        "type": ["VerifiableCredential"],
        "proof": {"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022"},
    }
    graphs = {q[3] for q in to_rdf(doc)}
    assert len(graphs) == 2
    assert "" in graphs


def test_canonicalize_accepts_a_tighter_work_limit() -> None:
    doc = {
        "@context": [V2, EX],
        "a": {"r": {"@id": "_:x"}},
        "@id": "_:x",
        "r": {"r": {"@id": "_:x"}},
    }
    with pytest.raises(CanonicalizationLimitExceeded):
        canonicalize(
            {
                "@context": [V2, EX],
                "@graph": [
                    {"@id": "_:a", "r": {"@id": "_:b"}},
                    {"@id": "_:b", "r": {"@id": "_:a"}},
                ],
            },
            max_work=1,
        )
    assert issubclass(CanonicalizationLimitExceeded, JsonLdError)
    assert canonicalize(doc)


def test_double_rounding_ties_go_away_from_zero_like_to_exponential() -> None:
    doc = {"@context": [V2, EX], "id": "urn:x:1", "n": 855545405036407.2}
    assert to_rdf(doc)[0][2].startswith('"8.555454050364073E14"^^')


def test_property_scoped_context_survives_type_scoped_revert() -> None:
    thing = {
        "@id": "https://e.org/Thing",
        "@context": {
            "part": {"@id": "https://e.org/part", "@context": {"label": "https://e.org/label"}}
        },
    }
    doc = {
        "@context": [V2, {"Thing": thing}],
        "id": "urn:x:1",
        "type": "Thing",
        "part": {"label": "x", "id": "urn:x:2"},
    }
    assert ("<urn:x:2>", "<https://e.org/label>", '"x"', "") in to_rdf(doc)


def test_type_scoped_context_does_not_propagate_into_nested_nodes() -> None:
    thing = {"@id": "https://e.org/Thing", "@context": {"label": "https://e.org/label"}}
    doc = {
        "@context": [V2, {"Thing": thing, "inner": "https://e.org/inner"}],
        "id": "urn:x:1",
        "type": "Thing",
        "inner": {"id": "urn:x:2", "label": "x"},
    }
    with pytest.raises(SafeModeError, match="label"):
        to_rdf(doc)


def test_null_mapped_term_is_refused_not_caught_by_vocab() -> None:
    with pytest.raises(SafeModeError, match="gone"):
        to_rdf({"@context": [V2, EX, {"gone": None}], "id": "urn:x:1", "gone": "x"})


def test_set_object_contributes_its_items() -> None:
    quads = to_rdf({"@context": [V2, EX], "id": "urn:x:1", "s": {"@set": ["a", "b"]}})
    assert sorted(q[2] for q in quads) == ['"a"', '"b"']


def test_an_inline_context_wrapped_as_a_context_document_reads_as_the_bare_one() -> None:
    """``{"@context": {...}}`` inside ``@context`` (as the W3C proof-chain inputs have it)
    is unwrapped, as jsonld.js and pyld do."""
    from meriter_credentials.jsonld import to_rdf

    terms = {"alumniOf": "https://www.example.org/alumniOf"}
    bare = {
        "@context": ["https://www.w3.org/ns/credentials/v2", terms],
        "type": ["VerifiableCredential"],
        "issuer": "did:example:1",
        "credentialSubject": {"alumniOf": "The School of Examples"},
    }
    wrapped = {**bare, "@context": ["https://www.w3.org/ns/credentials/v2", {"@context": terms}]}
    assert to_rdf(wrapped) == to_rdf(bare)
