"""Status-list indices: random-looking, never reused, without a search for free slots.

Each generation of an institution's status lists has a secret permutation
key and a counter. The n-th credential of the generation gets index
``permute(n)``: a keyed Feistel permutation of the counter's range, walked
until it falls inside the list (cycle walking keeps it a bijection). So
indices are unique by construction, reveal nothing about issuance order or
volume, and allocating a batch of k costs one counter update.
"""

from __future__ import annotations

import hashlib
import hmac

ROUNDS = 4


def _round(key: bytes, round_no: int, half: int, bits: int) -> int:
    digest = hmac.new(key, bytes([round_no]) + half.to_bytes(8, "big"), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") & ((1 << bits) - 1)


def permute(counter: int, key: bytes, length: int) -> int:
    """The index for the ``counter``-th credential in a list of ``length`` entries."""
    if not 0 <= counter < length:
        raise ValueError("the counter is outside the list")
    half_bits = max(1, ((length - 1).bit_length() + 1) // 2)
    mask = (1 << half_bits) - 1
    x = counter
    while True:
        left, right = x >> half_bits, x & mask
        for round_no in range(ROUNDS):
            left, right = right, left ^ _round(key, round_no, right, half_bits)
        x = (left << half_bits) | right
        if x < length:
            return x
