from __future__ import annotations

import pytest

from meriter_credentials.did import (
    DidResolutionError,
    OfflineResolver,
    did_key_document,
    did_web_document,
    did_web_to_url,
    find_verification_method,
)
from meriter_credentials.keys import Ed25519KeyPair

MB = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"


def test_did_key_document_lists_the_key_as_assertion_method() -> None:
    doc = did_key_document(f"did:key:{MB}")
    vm = find_verification_method(doc, f"did:key:{MB}#{MB}")
    assert vm is not None
    assert vm["publicKeyMultibase"] == MB
    assert vm["type"] == "Multikey"


@pytest.mark.parametrize(
    ("did", "url"),
    [
        ("did:web:w3c-ccg.github.io", "https://w3c-ccg.github.io/.well-known/did.json"),
        ("did:web:w3c-ccg.github.io:user:alice", "https://w3c-ccg.github.io/user/alice/did.json"),
        ("did:web:example.com%3A3000:user:alice", "https://example.com:3000/user/alice/did.json"),
    ],
)
def test_did_web_maps_to_https_url(did: str, url: str) -> None:
    assert did_web_to_url(did) == url


def test_did_web_with_path_traversal_is_rejected() -> None:
    with pytest.raises(DidResolutionError):
        did_web_to_url("did:web:example.com:..:etc")


def test_offline_resolver_resolves_did_web_only_from_the_mapping() -> None:
    key = Ed25519KeyPair.from_seed(bytes(32), did_web="did:web:issuer.example")
    doc = did_web_document("did:web:issuer.example", [key])
    resolver = OfflineResolver({"did:web:issuer.example": doc})
    assert find_verification_method(resolver.resolve(key.id), key.id) is not None
    with pytest.raises(DidResolutionError):
        OfflineResolver().resolve("did:web:issuer.example")


def test_mapping_entry_with_another_id_is_refused() -> None:
    key = Ed25519KeyPair.from_seed(bytes(32), did_web="did:web:evil.example")
    doc = did_web_document("did:web:evil.example", [key])
    with pytest.raises(DidResolutionError):
        OfflineResolver({"did:web:issuer.example": doc}).resolve("did:web:issuer.example")


def test_method_not_listed_as_assertion_method_is_not_found() -> None:
    doc = did_key_document(f"did:key:{MB}")
    doc["assertionMethod"] = []
    assert find_verification_method(doc, f"did:key:{MB}#{MB}") is None
