"""No input may change the structure of the canonical N-Quads.

The attack: a value written into an N-Quads line unchecked (a language tag,
a direction, an IRI, a datatype) ends its statement and starts another, so a
document canonicalizes exactly as a different one and a signature over one
verifies for the other. Every such value is refused where terms are written
(``jsonld.terms``), by both processors, with the field named; and whatever
is accepted parses back into exactly the statements that were emitted.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from meriter_credentials import rdfc
from meriter_credentials.jsonld import JsonLdError, SafeModeError, canonicalize, to_rdf
from meriter_credentials.jsonld.api import full_to_rdf
from meriter_credentials.keys import Ed25519KeyPair
from meriter_credentials.proofs import ProofError, add_proof

INJECTION = " .\n<http://ex/t> <http://ex/q> <http://ex/o>"
V2 = "https://www.w3.org/ns/credentials/v2"
P = "http://ex/p"

# The example: one document and a different one with two statements.
ATTACK = {"@id": "http://ex/s", P: {"@value": "x", "@language": "en" + INJECTION}}
TWO_STATEMENTS = [
    {"@id": "http://ex/s", P: {"@value": "x", "@language": "en"}},
    {"@id": "http://ex/t", "http://ex/q": {"@id": "http://ex/o"}},
]

CASES: dict[str, tuple[Any, str]] = {
    "language of a value": (ATTACK, "language"),
    "language with a space": (
        {"@id": "http://ex/s", P: {"@value": "x", "@language": "en GB"}},
        "language",
    ),
    "direction of a value": (
        {"@id": "http://ex/s", P: {"@value": "x", "@direction": "ltr" + INJECTION}},
        "direction",
    ),
    "default language": (
        {"@context": {"@language": "en" + INJECTION}, "@id": "http://ex/s", P: "x"},
        "language",
    ),
    "a term's language": (
        {
            "@context": {"t": {"@id": P, "@language": "en" + INJECTION}},
            "@id": "http://ex/s",
            "t": "x",
        },
        "language",
    ),
    "a language map's key": (
        {
            "@context": {"t": {"@id": P, "@container": "@language"}},
            "@id": "http://ex/s",
            "t": {"en" + INJECTION: "x"},
        },
        "language",
    ),
    "subject IRI": ({"@id": "http://ex/s>" + INJECTION, P: "x"}, "IRI"),
    "object IRI": ({"@id": "http://ex/s", P: {"@id": "http://ex/o> <http://ex/q> <x:y"}}, "IRI"),
    "property IRI": ({"@id": "http://ex/s", "http://ex/p> <http://ex/q": "x"}, "IRI"),
    "datatype IRI": (
        {"@id": "http://ex/s", P: {"@value": "x", "@type": "http://ex/d>" + INJECTION}},
        "IRI",
    ),
    "@type IRI": (
        {"@id": "http://ex/s", "@type": "http://ex/T> <http://ex/q> <http://ex/o"},
        "IRI",
    ),
    "graph name": (
        {"@id": "http://ex/g> <x:y", "@graph": [{"@id": "http://ex/s", P: "x"}]},
        "IRI",
    ),
    "@vocab": (
        {"@context": {"@vocab": "http://ex/v> <x:y#"}, "@id": "http://ex/s", "p": "x"},
        "IRI",
    ),
    "new line in an IRI": ({"@id": "http://ex/s\n<http://ex/t>", P: "x"}, "IRI"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_every_injection_is_refused_by_both_processors_naming_the_field(name: str) -> None:
    document, field = CASES[name]
    with pytest.raises(JsonLdError, match=field):
        to_rdf(document)
    with pytest.raises(JsonLdError, match=field):
        full_to_rdf(document)


def test_the_attack_no_longer_canonicalizes_as_the_other_document() -> None:
    assert canonicalize(TWO_STATEMENTS).count("\n") == 2
    with pytest.raises(SafeModeError, match="language tag"):
        canonicalize(ATTACK)


def test_signing_an_injection_fails_naming_the_field() -> None:
    credential = {
        "@context": [V2],
        "id": "urn:uuid:8f4e2e0a-0000-4000-8000-000000000001",
        "type": ["VerifiableCredential"],
        "issuer": "did:example:issuer",
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {
            "id": "did:example:learner",
            "name": {"@value": "Åsa", "@language": "sv" + INJECTION},
        },
    }
    with pytest.raises(ProofError, match="language tag"):
        add_proof(credential, Ed25519KeyPair.generate())


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"validFrom": "2025-01-15"}, "validFrom must be an XML Schema dateTimeStamp"),
        ({"validFrom": "2025-01-15T09:00Z"}, "validFrom"),
        ({"validFrom": "2016-12-31T23:59:60Z"}, "validFrom"),
        ({"validUntil": "2030-01-15T09:00:00"}, "validUntil"),
        ({"validFrom": "2025-02-30T00:00:00Z"}, "validFrom"),
        ({"credentialSubject": {"id": "did:example:l", "n": 2**53}}, "2^53"),
        ({"credentialSubject": {"id": "did:example:l", "n": [-(2**60)]}}, "/credentialSubject/n/0"),
    ],
)
def test_signing_refuses_values_other_verifiers_read_differently(
    change: dict[str, Any], message: str
) -> None:
    credential = {
        "@context": [V2, {"@vocab": "https://example.org/vocab#"}],
        "type": ["VerifiableCredential"],
        "issuer": "did:example:issuer",
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:learner"},
        **change,
    }
    with pytest.raises(ProofError, match=message.replace("^", "\\^")):
        add_proof(credential, Ed25519KeyPair.generate())


def test_the_largest_safe_integer_and_a_leap_day_are_signed() -> None:
    credential = {
        "@context": [V2, {"@vocab": "https://example.org/vocab#"}],
        "type": ["VerifiableCredential"],
        "issuer": "did:example:issuer",
        "validFrom": "2028-02-29T23:59:59.5+01:00",
        "credentialSubject": {"id": "did:example:learner", "n": 2**53 - 1},
    }
    assert add_proof(credential, Ed25519KeyPair.generate())["proof"]


# --- property: what is accepted parses back into exactly what was emitted ----

HOSTILE = st.text(alphabet=st.sampled_from(list('aZ09-_ .<>"\\{}|^`\n\r\t@#:/_')), max_size=14)


@st.composite
def hostile_documents(draw: st.DrawFn) -> Any:
    value: dict[str, Any] = {"@value": draw(HOSTILE)}
    where = draw(st.sampled_from(["language", "direction", "type", "id", "property", "graph"]))
    text = draw(HOSTILE)
    node: dict[str, Any] = {"@id": "http://ex/s"}
    if where == "language":
        value["@language"] = text
    elif where == "direction":
        value["@direction"] = text
    elif where == "type":
        value["@type"] = "http://ex/" + text
    if where == "id":
        node["@id"] = "http://ex/" + text
    key = "http://ex/" + text if where == "property" else P
    node[key] = value
    if where == "graph":
        return {"@id": "http://ex/" + text, "@graph": [node]}
    return node


@settings(max_examples=400, deadline=None)
@given(hostile_documents())
def test_accepted_documents_parse_back_into_exactly_their_statements(document: Any) -> None:
    for convert in (to_rdf, full_to_rdf):
        try:
            quads = convert(document)
        except JsonLdError:
            continue
        result = rdfc.canonicalize_quads(quads)
        lines = result.nquads.splitlines(keepends=True)
        assert len(lines) == len(quads)
        assert rdfc.serialize_nquads(rdfc.parse_nquads(result.nquads)) == result.nquads
