"""The kernel's token buckets (meriter_shared.ratelimit), on an injected clock."""

from __future__ import annotations

import math

from meriter_shared.ratelimit import TokenBucket, TokenBuckets


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_gives_its_burst_then_says_how_long_until_the_next_token() -> None:
    clock = FakeClock()
    bucket = TokenBucket(2.0, burst=3, clock=clock)
    assert [bucket.take() for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.take() == 0.5
    assert bucket.take() == 0.5  # refused takes take nothing
    clock.now += 0.5
    assert bucket.take() == 0.0


def test_a_bucket_refills_at_its_rate_up_to_its_burst_only() -> None:
    clock = FakeClock()
    bucket = TokenBucket(1.0, burst=2, clock=clock)
    bucket.take(), bucket.take()
    clock.now += 3600
    assert [bucket.take() for _ in range(3)] == [0.0, 0.0, 1.0]


def test_a_bucket_bursts_its_rate_by_default_and_at_least_one() -> None:
    assert TokenBucket(5.0, clock=FakeClock()).burst == 5.0
    assert TokenBucket(0.2, clock=FakeClock()).burst == 1.0


def test_a_bucket_whose_rate_is_changed_refills_at_the_new_rate() -> None:
    clock = FakeClock()
    bucket = TokenBucket(1.0, burst=1, clock=clock)
    bucket.take()
    bucket.rate = 4.0
    assert bucket.take() == 0.25


def test_a_bucket_with_no_rate_never_refills() -> None:
    bucket = TokenBucket(0.0, burst=1, clock=FakeClock())
    assert bucket.take() == 0.0
    assert bucket.take() == math.inf


def test_keyed_buckets_are_independent_per_key() -> None:
    clock = FakeClock()
    buckets = TokenBuckets(1.0, burst=1, clock=clock)
    assert buckets.take("a") == 0.0
    assert buckets.take("a") == 1.0
    assert buckets.take("b") == 0.0
    clock.now += 1.0
    assert buckets.take("a") == 0.0


def test_keyed_buckets_keep_at_most_max_keys_dropping_the_least_recently_used() -> None:
    buckets = TokenBuckets(1.0, burst=1, max_keys=2, clock=FakeClock())
    buckets.take("a"), buckets.take("b")
    buckets.take("a")  # "a" used last; "b" is the oldest
    buckets.take("c")
    assert len(buckets) == 2
    assert buckets.take("a") > 0  # still remembered: empty
    assert buckets.take("b") == 0.0  # forgotten: a full bucket again


def test_a_flood_of_distinct_keys_keeps_memory_fixed() -> None:
    buckets = TokenBuckets(1.0, burst=1, max_keys=100, clock=FakeClock())
    for n in range(10_000):
        buckets.take(f"10.0.{n // 256}.{n % 256}")
    assert len(buckets) == 100
