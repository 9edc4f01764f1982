"""Secrets sealed under the master key: open only with that key and purpose."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from meriter_shared.secrets import (
    MasterKeys,
    SecretsError,
    ensure_master_key_file,
    new_master_key_text,
)


def test_a_sealed_value_opens_with_its_key_and_purpose() -> None:
    keys = MasterKeys.from_text(new_master_key_text())
    sealed = keys.seal(b"private key bytes", "registry/token-key")
    assert b"private key bytes" not in sealed.encode()
    assert keys.open(sealed, "registry/token-key") == b"private key bytes"


def test_a_value_sealed_for_one_purpose_does_not_open_for_another() -> None:
    keys = MasterKeys.from_text(new_master_key_text())
    sealed = keys.seal(b"secret", "issuer/institution-key/a")
    with pytest.raises(SecretsError):
        keys.open(sealed, "issuer/institution-key/b")


def test_a_tampered_value_does_not_open() -> None:
    keys = MasterKeys.from_text(new_master_key_text())
    sealed = keys.seal(b"secret", "p")
    head, body = sealed.rsplit(".", 1)
    raw = bytearray(base64.urlsafe_b64decode(body))
    raw[len(raw) // 2] ^= 0x01  # one bit of the ciphertext
    flipped = f"{head}.{base64.urlsafe_b64encode(bytes(raw)).decode()}"
    with pytest.raises(SecretsError):
        keys.open(flipped, "p")


def test_after_rotation_old_values_open_and_new_ones_use_the_new_key() -> None:
    old, new = new_master_key_text(), new_master_key_text()
    sealed_before = MasterKeys.from_text(old).seal(b"v", "p")
    ring = MasterKeys.from_text(f"{new},{old}")
    assert ring.open(sealed_before, "p") == b"v"
    with pytest.raises(SecretsError):
        MasterKeys.from_text(old).open(ring.seal(b"v", "p"), "p")


def test_the_master_key_file_is_created_once_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = ensure_master_key_file(tmp_path / "state" / "master.key")
    first = path.read_text()
    ensure_master_key_file(path)
    assert path.read_text() == first
    assert path.stat().st_mode & 0o777 == 0o600
    assert "keys=1" in repr(MasterKeys.from_file(path))
    assert first.strip() not in repr(MasterKeys.from_file(path))
