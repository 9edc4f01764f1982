"""``meriter vc`` through the real dispatcher: keygen, sign, verify exit codes, bench."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from meriter_credentials.command import main
from meriter_credentials.did import did_web_document
from meriter_credentials.keys import Ed25519KeyPair

UNSIGNED: dict[str, Any] = {
    "@context": ["https://www.w3.org/ns/credentials/v2"],
    "id": "urn:uuid:0f2a7d4e-1111-4c2b-8e0b-3a9f2d6c1e55",
    "type": ["VerifiableCredential"],
    "issuer": "did:example:placeholder",
    "validFrom": "2026-01-01T00:00:00Z",
    "credentialSubject": {"id": "did:example:learner"},
}


def _sign(tmp_path: Path, *extra: str, suite: str = "eddsa-jcs-2022") -> tuple[Path, Path]:
    key, unsigned, signed = tmp_path / "key.json", tmp_path / "in.json", tmp_path / "out.json"
    assert main(["vc", "keygen", *extra, str(key)]) == 0
    unsigned.write_text(json.dumps(UNSIGNED))
    assert (
        main(["vc", "sign", "--key", str(key), "--suite", suite, str(unsigned), str(signed)]) == 0
    )
    return key, signed


def test_signed_credential_verifies_with_exit_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, signed = _sign(tmp_path)
    capsys.readouterr()
    assert main(["vc", "verify", "--now", "2026-06-01T00:00:00Z", str(signed)]) == 0
    assert json.loads(capsys.readouterr().out)["verified"] is True


def test_sign_sets_issuer_from_the_key(tmp_path: Path) -> None:
    key, signed = _sign(tmp_path)
    assert json.loads(signed.read_text())["issuer"] == Ed25519KeyPair.load(key).controller


def test_tampered_credential_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, signed = _sign(tmp_path)
    doc = json.loads(signed.read_text())
    doc["credentialSubject"]["id"] = "did:example:someone-else"
    signed.write_text(json.dumps(doc))
    capsys.readouterr()
    assert main(["vc", "verify", str(signed)]) == 1
    assert json.loads(capsys.readouterr().out)["verified"] is False


def test_did_web_key_verifies_only_with_did_docs(tmp_path: Path) -> None:
    key_path, signed = _sign(tmp_path, "--did-web", "did:web:issuer.example")
    key = Ed25519KeyPair.load(key_path)
    docs = tmp_path / "did-docs.json"
    docs.write_text(json.dumps({key.controller: did_web_document(key.controller, [key])}))
    assert main(["vc", "verify", str(signed)]) == 1
    assert main(["vc", "verify", "--did-docs", str(docs), str(signed)]) == 0


def test_missing_input_file_exits_2(tmp_path: Path) -> None:
    assert main(["vc", "verify", str(tmp_path / "absent.json")]) == 2


def test_bad_now_exits_2(tmp_path: Path) -> None:
    _, signed = _sign(tmp_path)
    assert main(["vc", "verify", "--now", "yesterday", str(signed)]) == 2


def test_unknown_suite_is_an_argparse_error_exit_2(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["vc", "sign", "--key", "k", "--suite", "rsa", "a", "b"])
    assert exc.value.code == 2


def test_bench_prints_rates_for_the_sample(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["vc", "bench", "--suite", "eddsa-jcs-2022", "--n", "3"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["n"] == 3
    assert result["verified"] == 3
    assert result["sign_per_s"] > 0
    # The measured document is the sample exactly as issued (its own issuer).
    from meriter_credentials.samples import sample_credential

    assert result["bytes"] == len(json.dumps(sample_credential(), separators=(",", ":")))


def test_status_list_flag_rejects_a_revoked_credential(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from meriter_credentials.statuslist import (
        BitstringStatusList,
        sign_status_list_credential,
        status_entry,
        status_list_credential,
    )

    url = "https://status.meriter.example/lists/cli"
    key_path, unsigned = tmp_path / "key.json", tmp_path / "in.json"
    assert main(["vc", "keygen", str(key_path)]) == 0
    key = Ed25519KeyPair.load(key_path)
    bits = BitstringStatusList()
    bits.set(3)
    listing = sign_status_list_credential(
        status_list_credential(
            url,
            issuer=key.controller,
            purpose="revocation",
            status_list=bits,
            valid_from=datetime(2026, 1, 1, tzinfo=UTC),
        ),
        key,
    )
    list_path = tmp_path / "list.json"
    list_path.write_text(json.dumps(listing))
    codes = []
    for index in (3, 4):
        signed = tmp_path / f"out{index}.json"
        unsigned.write_text(json.dumps({**UNSIGNED, "credentialStatus": status_entry(url, index)}))
        assert main(["vc", "sign", "--key", str(key_path), str(unsigned), str(signed)]) == 0
        codes.append(
            main(
                [
                    "vc",
                    "verify",
                    "--status-list",
                    str(list_path),
                    "--now",
                    "2026-06-01T00:00:00Z",
                    str(signed),
                ]
            )
        )
    assert codes == [1, 0]
