"""The W3C RDFC-1.0 test suite, byte for byte, plus the poison-graph refusal."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from meriter_credentials.rdfc import (
    CanonicalizationLimitExceeded,
    canonicalize_nquads,
    canonicalize_quads,
    parse_nquads,
    serialize_nquads,
)

SUITE = Path(__file__).resolve().parents[2] / ".." / "shared" / "vectors" / "rdf-canon" / "tests"


def _rows() -> list[dict[str, str]]:
    if not (SUITE / "manifest.csv").exists():
        return []
    with (SUITE / "manifest.csv").open(newline="") as f:
        return list(csv.DictReader(f))


ROWS = _rows()
EVAL = [r for r in ROWS if r["rdfc10"] == "TRUE"]
MAPS = [r for r in ROWS if r["rdfc10map"] == "TRUE"]


def _needs_suite() -> None:
    if not ROWS:
        pytest.skip(f"RDFC-1.0 suite not found at {SUITE}")


def _algorithm(row: dict[str, str]) -> str:
    return "sha384" if row["hashAlgorithm"].upper() == "SHA384" else "sha256"


@pytest.mark.parametrize("row", EVAL, ids=[r["test"] for r in EVAL])
def test_eval_case_output_matches_expected_bytes(row: dict[str, str]) -> None:
    _needs_suite()
    source = (SUITE / "rdfc10" / f"{row['test']}-in.nq").read_text(encoding="utf-8")
    expected = (SUITE / "rdfc10" / f"{row['test']}-rdfc10.nq").read_text(encoding="utf-8")
    assert canonicalize_nquads(source, hash_algorithm=_algorithm(row)).nquads == expected


@pytest.mark.parametrize("row", MAPS, ids=[r["test"] for r in MAPS])
def test_map_case_issued_identifiers_match_expected(row: dict[str, str]) -> None:
    _needs_suite()
    source = (SUITE / "rdfc10" / f"{row['test']}-in.nq").read_text(encoding="utf-8")
    expected = json.loads((SUITE / "rdfc10" / f"{row['test']}-rdfc10map.json").read_text())
    assert canonicalize_nquads(source, hash_algorithm=_algorithm(row)).issued == expected


def test_suite_has_all_eval_and_map_cases() -> None:
    _needs_suite()
    assert (len(EVAL), len(MAPS)) == (64, 21)


def test_poison_clique_graph_is_refused_by_work_limit() -> None:
    _needs_suite()
    source = (SUITE / "rdfc10" / "test074-in.nq").read_text(encoding="utf-8")
    with pytest.raises(CanonicalizationLimitExceeded):
        canonicalize_nquads(source)


def test_tighter_work_limit_refuses_symmetric_graph() -> None:
    text = "_:a <http://e/p> _:b .\n_:b <http://e/p> _:a .\n"
    with pytest.raises(CanonicalizationLimitExceeded):
        canonicalize_nquads(text, max_work=1)


def test_control_characters_round_trip_to_canonical_escapes() -> None:
    text = '<http://e/s> <http://e/p> "a\\u0001\\b\\t\\n\\f\\r\\"\\\\\\u007F\\U0001F600" .\n'
    assert serialize_nquads(parse_nquads(text)) == (
        '<http://e/s> <http://e/p> "a\\u0001\\b\\t\\n\\f\\r\\"\\\\\\u007F\U0001f600" .\n'
    )


def test_duplicate_quads_given_as_quads_are_kept_in_output() -> None:
    quad = ("<http://e/s>", "<http://e/p>", "_:x", "")
    assert canonicalize_quads([quad, quad]).nquads == "<http://e/s> <http://e/p> _:c14n0 .\n" * 2
