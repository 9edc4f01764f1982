"""Status-list indices: a keyed permutation of the counter, the same mapping for ever."""

from __future__ import annotations

import hashlib
import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from meriter_issuer.status import allocator
from meriter_issuer.status.allocator import permute, permute_many

KEY = hashlib.sha256(b"a generation's permutation key").digest()
LENGTH = 131_072


def direct(counter: int, key: bytes, length: int) -> int:
    """The permutation computed with its HMAC rounds, no tables."""
    half_bits = max(1, ((length - 1).bit_length() + 1) // 2)
    mask = (1 << half_bits) - 1
    x = counter
    while True:
        left, right = x >> half_bits, x & mask
        for round_no in range(allocator.ROUNDS):
            left, right = right, left ^ allocator._round(key, round_no, right, half_bits)
        x = (left << half_bits) | right
        if x < length:
            return x


def test_every_index_of_a_list_is_handed_out_exactly_once() -> None:
    indices = permute_many(0, LENGTH, KEY, LENGTH)
    assert sorted(indices) == list(range(LENGTH))
    # Random-looking: consecutive credentials are not neighbours.
    assert sum(1 for a, b in itertools.pairwise(indices) if abs(a - b) < 64) < 200


@given(st.integers(min_value=0, max_value=LENGTH - 1), st.binary(min_size=32, max_size=32))
def test_the_tables_give_what_the_hmac_rounds_give(counter: int, key: bytes) -> None:
    assert permute(counter, key, LENGTH) == direct(counter, key, LENGTH)


@given(st.integers(min_value=0, max_value=(1 << 22) - 1))
def test_lists_too_long_for_tables_use_the_rounds_directly(counter: int) -> None:
    length = 1 << 22  # 11-bit halves: above TABULATED_BITS
    assert permute(counter, KEY, length) == direct(counter, KEY, length)


def test_the_mapping_of_a_generation_never_changes() -> None:
    # Indices already handed out depend on it: pinned values, not recomputed ones.
    assert permute_many(0, 6, KEY, LENGTH) == PINNED


def test_a_batch_is_the_same_as_one_at_a_time() -> None:
    assert permute_many(1000, 50, KEY, LENGTH) == [
        permute(n, KEY, LENGTH) for n in range(1000, 1050)
    ]


@pytest.mark.parametrize(("first", "count"), [(-1, 1), (LENGTH, 1), (LENGTH - 2, 3)])
def test_counters_outside_the_list_are_refused(first: int, count: int) -> None:
    with pytest.raises(ValueError, match="outside the list"):
        permute_many(first, count, KEY, LENGTH)


PINNED = [48449, 54044, 39724, 85889, 89427, 105558]  # computed before the tables existed
