"""The producer's partitioner: Kafka's default, key for key."""

from __future__ import annotations

from aiokafka.partitioner import DefaultPartitioner
from aiokafka.partitioner import murmur2 as aiokafka_murmur2
from hypothesis import given
from hypothesis import strategies as st

from meriter_shared.messaging.kafka import murmur2, partition_for


@given(st.binary(max_size=200))
def test_murmur2_is_aiokafkas_murmur2(key: bytes) -> None:
    assert murmur2(key) == aiokafka_murmur2(key)


@given(st.binary(max_size=80), st.integers(min_value=1, max_value=64))
def test_a_key_goes_to_the_partition_the_default_partitioner_picks(
    key: bytes, partitions: int
) -> None:
    everything = list(range(partitions))
    assert partition_for(key, everything, everything) == DefaultPartitioner()(
        key, everything, everything
    )


# What the Java client's Utils.murmur2 gives (signed ints, as Kafka's own tests list them).
JAVA = {
    b"21": -973932308,
    b"foobar": -790332482,
    b"a-little-bit-long-string": -985981536,
    b"a-little-bit-longer-string": -1486304829,
    b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8": -58897971,
    b"abc": 479470107,
}


def test_the_java_clients_hashes() -> None:
    for key, signed in JAVA.items():
        assert murmur2(key) == signed & 0xFFFFFFFF, key
        assert partition_for(key, list(range(6)), []) == (signed & 0x7FFFFFFF) % 6


def test_no_key_goes_to_a_live_partition() -> None:
    assert partition_for(None, [0, 1, 2], [2]) == 2
    assert partition_for(None, [0, 1, 2], []) in (0, 1, 2)
