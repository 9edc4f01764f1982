"""Status-list indices: random-looking, never reused, without a search for free slots.

Each generation of an institution's status lists has a secret permutation
key and a counter. The n-th credential of the generation gets index
``permute(n)``: a keyed Feistel permutation of the counter's range, walked
until it falls inside the list (cycle walking keeps it a bijection). So
indices are unique by construction, reveal nothing about issuance order or
volume, and allocating a batch of k costs one counter update.

The mapping of a generation never changes (its indices already handed out
depend on it). A round's function of a half only has ``2**half_bits``
inputs, so for lists of up to a million entries each key's rounds are
tabulated once (the same HMAC values) and a permutation is then a few table
look-ups instead of eight HMACs.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
from collections.abc import Callable

ROUNDS = 4
# Halves of at most this many bits have their rounds tabulated: 4 x 1,024
# entries, built in about 10 ms once per generation key.
TABULATED_BITS = 10


def _round(key: bytes, round_no: int, half: int, bits: int) -> int:
    digest = hmac.new(key, bytes([round_no]) + half.to_bytes(8, "big"), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") & ((1 << bits) - 1)


@functools.lru_cache(maxsize=32)
def _tables(key: bytes, half_bits: int) -> tuple[tuple[int, ...], ...]:
    return tuple(
        tuple(_round(key, round_no, half, half_bits) for half in range(1 << half_bits))
        for round_no in range(ROUNDS)
    )


def _half_bits(length: int) -> int:
    return max(1, ((length - 1).bit_length() + 1) // 2)


def permute(counter: int, key: bytes, length: int) -> int:
    """The index for the ``counter``-th credential in a list of ``length`` entries."""
    return permute_many(counter, 1, key, length)[0]


def permute_many(first: int, count: int, key: bytes, length: int) -> list[int]:
    """The indices for the ``first``-th to the ``first + count - 1``-th credentials."""
    if not (first >= 0 and count >= 0 and first + count <= length):
        raise ValueError("the counter is outside the list")
    half_bits = _half_bits(length)
    if half_bits <= TABULATED_BITS:
        tables = _tables(key, half_bits)
        return [
            _walk(n, length, half_bits, lambda r, half: tables[r][half])
            for n in range(first, first + count)
        ]
    return [
        _walk(n, length, half_bits, lambda r, half: _round(key, r, half, half_bits))
        for n in range(first, first + count)
    ]


def _walk(counter: int, length: int, half_bits: int, f: Callable[[int, int], int]) -> int:
    """The Feistel network, walked until the value falls inside the list."""
    mask = (1 << half_bits) - 1
    x = counter
    while True:
        left, right = x >> half_bits, x & mask
        for round_no in range(ROUNDS):
            left, right = right, left ^ f(round_no, right)
        x = (left << half_bits) | right
        if x < length:
            return x
