"""vcdm.validate against every input of the W3C VC Data Model 2.0 test suite.

``-ok`` inputs must give no problem, ``-fail`` / ``-fail-or-inject`` inputs at
least one. As the suite does, a missing issuer is filled in (the suite posts
the inputs to an issuer) and ``PAST DATE`` / ``FUTURE DATE`` are substituted.
The ``-ok`` inputs are also signed (eddsa-rdfc-2022, a generated did:key) and
the proof verified: they must be processable by the engine as they are.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from meriter_credentials import vcdm
from meriter_credentials.did import OfflineResolver
from meriter_credentials.keys import Ed25519KeyPair
from meriter_credentials.proofs import RDFC, add_proof, verify_proofs

from .conftest import SHARED

INPUT = SHARED / "vectors" / "vc-data-model-2.0-test-suite" / "tests" / "input"
ISSUER = "did:example:issuer"
PAST = "2020-01-01T00:00:00Z"
FUTURE = "2099-01-01T00:00:00Z"


def _inputs(kind: str) -> list[Any]:
    if not INPUT.exists():
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"{INPUT} is not available"))]
    files = sorted(INPUT.rglob("*.json"))
    if kind == "ok":
        chosen = [f for f in files if f.name.endswith("-ok.json")]
    else:
        chosen = [f for f in files if "-fail" in f.name]
    return [pytest.param(f, id=str(f.relative_to(INPUT))) for f in chosen]


def _prepared(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    text = text.replace('"PAST DATE"', f'"{PAST}"').replace('"FUTURE DATE"', f'"{FUTURE}"')
    doc: dict[str, Any] = json.loads(text)
    if "VerifiablePresentation" not in json.dumps(doc.get("type")):
        if "issuer" not in doc:
            doc["issuer"] = ISSUER
        elif isinstance(doc["issuer"], dict) and "id" not in doc["issuer"]:
            doc["issuer"]["id"] = ISSUER
    return doc


def test_the_suite_inputs_are_all_classified() -> None:
    if not INPUT.exists():
        pytest.skip(f"{INPUT} is not available")
    ok, fail = _inputs("ok"), _inputs("fail")
    assert len(ok) + len(fail) >= 90
    # The three presentation-self-asserted-vc-{holder,issuer}-mismatch/no-holder
    # inputs carry no -ok/-fail suffix: they test proofs, not the data model.
    unclassified = {
        f.name for f in INPUT.rglob("*.json") if "-ok" not in f.name and "-fail" not in f.name
    }
    assert all(name.startswith("presentation-self-asserted-vc-") for name in unclassified)


@pytest.mark.parametrize("path", _inputs("ok"))
def test_ok_input_is_accepted(path: Path) -> None:
    problems = vcdm.validate(_prepared(path))
    assert problems == []


@pytest.mark.parametrize("path", _inputs("fail"))
def test_fail_input_is_rejected(path: Path) -> None:
    problems = vcdm.validate(_prepared(path))
    assert problems, "expected at least one problem"
    for p in problems:
        assert p.code
        assert p.message
        assert p.path == "" or p.path.startswith("/")


KEY = Ed25519KeyPair.from_seed(bytes(range(32)))


@pytest.mark.parametrize("path", _inputs("ok"))
def test_ok_input_signs_and_verifies(path: Path) -> None:
    doc = _prepared(path)
    unsigned = {k: v for k, v in doc.items() if k != "proof"}
    signed = add_proof(unsigned, KEY, suite=RDFC, created=PAST)
    [result] = verify_proofs(signed, resolver=OfflineResolver())
    assert result.verified, result.error
    assert vcdm.validate(signed) == []
