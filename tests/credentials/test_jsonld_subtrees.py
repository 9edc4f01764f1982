"""Replayed subtrees (``tordf._Subtrees``): the same quads as walking, always.

A named node object met again in the same context is replayed from its first
walk instead of walked. Every document of the W3C corpus, random OB 3.0
credentials and random list documents are converted three times from a cold
memo — walked, walked and kept, replayed — and each time give exactly the
quads (labels and order included) of a conversion with the memo off.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from meriter_credentials.jsonld import SafeModeError, to_rdf, tordf
from meriter_credentials.jsonld.tordf import _Subtrees
from meriter_credentials.samples import sample_credential

from .test_jsonld_differential import _corpus, credentials, list_documents


class _Off(_Subtrees):
    """A memo that never keeps anything: plain walking."""

    def admit(self, key: Any) -> bool:
        return False


def _quads(document: Any, memo: _Subtrees) -> list[Any] | str:
    tordf._SUBTREES = memo
    try:
        return list(to_rdf(document))
    except Exception as error:  # an error must be the same error too
        return f"{type(error).__name__}: {error}"


@pytest.fixture(autouse=True)
def _restore() -> Iterator[None]:
    saved = tordf._SUBTREES
    yield
    tordf._SUBTREES = saved


def _replays_exactly(document: Any) -> None:
    plain = _quads(copy.deepcopy(document), _Off())
    memo = _Subtrees()
    for _ in range(3):
        assert _quads(document, memo) == plain


def test_every_corpus_document_gives_the_same_quads_walked_or_replayed() -> None:
    documents = _corpus()
    assert len(documents) > 100
    for document in documents:
        _replays_exactly(document)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(credentials(), list_documents()))
def test_random_credentials_and_list_documents_give_the_same_quads_walked_or_replayed(
    document: dict[str, Any],
) -> None:
    _replays_exactly(document)


EX = {"@vocab": "https://example.org/vocab#"}


def test_a_shared_node_is_replayed_and_renumbered_into_each_document() -> None:
    shared = {"@id": "https://example.org/a", "part": {"name": "x"}, "other": {"name": "y"}}
    memo = _Subtrees()

    def doc(n: int) -> dict[str, Any]:
        return {"@context": EX, "@id": f"https://example.org/d{n}", "first": {"k": n}, "a": shared}

    walked = [_quads(doc(n), _Off()) for n in range(4)]
    replayed = [_quads(doc(n), memo) for n in range(4)]
    assert replayed == walked
    assert len(memo.kept) == 1  # kept once seen twice, then replayed


def test_a_node_holding_a_document_wide_blank_node_label_is_never_replayed() -> None:
    memo = _Subtrees()
    labelled = {
        "@context": EX,
        "a": {"@id": "https://example.org/a", "b": {"@id": "_:x"}},
        "c": {"@id": "_:x", "name": "same node as a.b"},
    }
    plain = _quads(labelled, _Off())
    for _ in range(3):
        assert _quads(labelled, memo) == plain
    assert memo.kept == {}


def test_lists_in_a_replayed_node_stay_unmerged() -> None:
    """Two empty lists are two ``rdf:nil`` statements (JSON-LD keeps every list)."""
    memo = _Subtrees()
    listed = {
        "@context": {**EX, "l": {"@id": "https://example.org/vocab#l", "@container": "@list"}},
        "a": {"@id": "https://example.org/a", "l": [], "m": {"l": [[], 1]}},
        "b": {"@id": "https://example.org/a", "l": []},
    }
    plain = _quads(listed, _Off())
    for _ in range(3):
        assert _quads(listed, memo) == plain
    assert memo.kept


def test_nan_and_null_never_share_a_memo_entry() -> None:
    memo = _Subtrees()
    null = {"@context": EX, "a": {"@id": "https://example.org/a", "v": None}}
    nan = {"@context": EX, "a": {"@id": "https://example.org/a", "v": float("nan")}}
    for _ in range(3):
        assert _quads(null, memo) == _quads(null, _Off())
        assert _quads(nan, memo) == _quads(nan, _Off())
    assert memo.kept == {}


def test_an_error_inside_a_node_is_raised_each_time_never_kept() -> None:
    memo = _Subtrees()
    bad = {"@context": {"name": "https://example.org/name"}, "a": {"@id": "https://e.org/a"}}
    tordf._SUBTREES = memo
    for _ in range(3):
        with pytest.raises(SafeModeError):
            to_rdf(bad)
    assert memo.kept == {}


def test_the_memo_stays_bounded_whatever_it_is_sent() -> None:
    memo = _Subtrees()
    for n in range(_Subtrees.LIMIT + 50):
        node = {"@id": f"https://example.org/{n}", "name": "x"}
        for _ in range(2):
            _quads({"@context": EX, "a": node}, memo)
    assert len(memo.kept) == _Subtrees.LIMIT
    big = {"@id": "https://example.org/big", "name": "x" * _Subtrees.MAX_TEXT}
    for _ in range(3):
        _quads({"@context": EX, "a": big}, memo)
    assert all(b"/big" not in key[2] for key in memo.kept)
    for n in range(_Subtrees.SEEN_LIMIT + 10):
        _quads({"@context": EX, "a": {"@id": f"https://example.org/once/{n}"}}, memo)
    assert len(memo.seen) <= _Subtrees.SEEN_LIMIT


def test_a_micro_credentials_achievement_and_issuer_are_replayed() -> None:
    """What the property tests above check is exercised: the sample micro-credential's
    achievement (with its lists) and issuer profile are kept, then replayed."""
    document = sample_credential()
    memo = _Subtrees()
    plain = _quads(document, _Off())
    for _ in range(3):
        assert _quads(document, memo) == plain
    kept = b" ".join(key[2] for key in memo.kept)
    assert b'"Achievement"' in kept
    assert b'"Profile"' in kept
