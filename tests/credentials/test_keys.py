from __future__ import annotations

import json
import stat
from pathlib import Path

import base58
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from meriter_credentials.keys import (
    Ed25519KeyPair,
    KeyFormatError,
    keygen,
    public_key_from_multibase,
    seed_from_secret_multibase,
)

from .conftest import shared_path


def _vector_pair() -> dict[str, str]:
    path = shared_path("vectors", "vc-di-eddsa", "TestVectors", "keyPair.json")
    data: dict[str, str] = json.loads(path.read_text())
    return data


def test_vector_secret_key_derives_the_vector_public_key() -> None:
    vec = _vector_pair()
    pair = Ed25519KeyPair.from_json({"secretKeyMultibase": vec["privateKeyMultibase"]})
    assert pair.public_key_multibase == vec["publicKeyMultibase"]
    assert pair.secret_key_multibase() == vec["privateKeyMultibase"]
    assert pair.controller == f"did:key:{vec['publicKeyMultibase']}"


def test_raw_0x1300_secret_prefix_is_accepted() -> None:
    seed = bytes(range(32))
    raw = "z" + base58.b58encode(b"\x13\x00" + seed).decode()
    assert seed_from_secret_multibase(raw) == seed


def test_public_multibase_has_ed01_prefix_and_z6mk_form() -> None:
    pair = Ed25519KeyPair.from_seed(bytes(32))
    assert pair.public_key_multibase.startswith("z6Mk")
    assert public_key_from_multibase(pair.public_key_multibase) == pair.public_key


def test_repr_and_str_never_contain_the_secret() -> None:
    pair = Ed25519KeyPair.from_seed(bytes(range(32)))
    secret = pair.secret_key_multibase()
    assert secret not in repr(pair)
    assert secret not in str(pair)
    assert "redacted" in repr(pair)


def test_keygen_writes_a_0600_file_that_loads_back(tmp_path: Path) -> None:
    out = tmp_path / "key.json"
    pair = keygen(out, did_web="did:web:issuer.example")
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    loaded = Ed25519KeyPair.load(out)
    assert loaded.id == pair.id
    assert loaded.controller == "did:web:issuer.example"
    assert loaded.public_key == pair.public_key


def test_keygen_refuses_to_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "key.json"
    keygen(out)
    with pytest.raises(FileExistsError):
        keygen(out)


def test_key_file_with_mismatching_public_key_is_rejected() -> None:
    other = Ed25519KeyPair.from_seed(bytes(32))
    data = Ed25519KeyPair.from_seed(bytes(range(32))).to_json()
    data["publicKeyMultibase"] = other.public_key_multibase
    with pytest.raises(KeyFormatError):
        Ed25519KeyPair.from_json(data)


def test_signature_by_another_key_does_not_verify() -> None:
    a, b = Ed25519KeyPair.from_seed(bytes(32)), Ed25519KeyPair.from_seed(bytes(range(32)))
    assert a.verify(a.sign(b"m"), b"m")
    assert not b.verify(a.sign(b"m"), b"m")


def test_base58btc_matches_the_base58_package() -> None:
    import random

    from meriter_credentials.multibase import (
        MultibaseError,
        decode_base58btc,
        encode_base58btc,
    )

    rng = random.Random(7)
    assert encode_base58btc(b"") == "z"  # which decoding refuses, as it always did
    samples = [b"\0", b"\0\0\1", bytes(64), b"\xff" * 64]
    samples += [bytes(rng.getrandbits(8) for _ in range(rng.randrange(1, 70))) for _ in range(300)]
    samples += [b"\0" * rng.randrange(1, 4) + bytes(rng.randrange(256) for _ in range(33))]
    # around the ten-digit chunks the encoder divides by
    for n in (1, 57, 58, 3363, 3364, 58**10 - 1, 58**10, 58**10 + 1, 58**20 - 1, 58**20):
        samples.append(n.to_bytes((n.bit_length() + 7) // 8, "big"))
        samples.append(b"\0" + n.to_bytes((n.bit_length() + 7) // 8, "big"))
    for data in samples:
        encoded = encode_base58btc(data)
        assert encoded == "z" + base58.b58encode(data).decode()
        assert decode_base58btc(encoded) == data
        assert decode_base58btc(encoded + " \n") == base58.b58decode(encoded[1:] + " \n")
    for bad in ("z0", "zO", "zI", "zl", "z6Mk+", "zé", "x6Mk", "z"):
        with pytest.raises(MultibaseError):
            decode_base58btc(bad)


def test_signatures_are_openssls_ed25519_signatures_byte_for_byte() -> None:
    """Signing goes through libsodium; RFC 8032 signatures are deterministic, so
    each equals what OpenSSL (the ``cryptography`` package) makes of the same key."""
    import random

    rng = random.Random(11)
    for _ in range(50):
        seed = rng.randbytes(32)
        message = rng.randbytes(rng.randrange(0, 200))
        pair = Ed25519KeyPair.from_seed(seed)
        assert pair.sign(message) == Ed25519PrivateKey.from_private_bytes(seed).sign(message)
        assert pair.sign(message) == pair.sign(message)  # the cached secret key, again
        assert "_sodium" not in repr(pair)
