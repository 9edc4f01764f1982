"""Every event payload contract survives encode → Kafka record → decode unchanged.

Each contract is tried three ways: every field set, every optional field
``None``, and every optional field left out (its default). What a consumer
decodes and validates against the same contract must equal what the
producer sent — the guarantee projections rely on. A new contract is picked
up automatically: importing the event modules declares them.
"""

from __future__ import annotations

import importlib
import pkgutil
import types
import typing
import uuid
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any, Literal

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from pydantic import BaseModel
from pydantic.fields import FieldInfo

import meriter_shared.events
from meriter_shared.events.contracts import EventPayload, all_contracts
from meriter_shared.events.envelope import CloudEvent, decode, encode
from meriter_shared.messaging.kafka import create_producer, ensure_topics
from support.kafka import kafka_settings

for _module in pkgutil.iter_modules(meriter_shared.events.__path__):
    importlib.import_module(f"meriter_shared.events.{_module.name}")

CONTRACTS = sorted(
    (c for c in all_contracts().values() if c.__module__.startswith("meriter_")),
    key=lambda c: c.event_type,
)
Variant = Literal["set", "none", "absent"]
VARIANTS: tuple[Variant, ...] = ("set", "none", "absent")


def _optional(annotation: Any) -> tuple[bool, Any]:
    """(whether ``None`` is allowed, the annotation without ``None``)."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) < len(typing.get_args(annotation)):
            return True, args[0] if len(args) == 1 else typing.Union[tuple(args)]  # noqa: UP007
    return False, annotation


def _value(annotation: Any, variant: Variant) -> Any:
    """A sample value of ``annotation`` (nested models get the same variant)."""
    origin = typing.get_origin(annotation)
    if origin is Literal:
        return typing.get_args(annotation)[0]
    if origin in (list, tuple, set, frozenset):
        (item,) = typing.get_args(annotation)[:1]
        return [_value(item, variant)]
    if origin is dict:
        key, item = typing.get_args(annotation)
        return {_value(key, variant): _value(item, variant)}
    if isinstance(annotation, type):
        if issubclass(annotation, BaseModel):
            return _sample(annotation, variant)
        if issubclass(annotation, Enum):
            return next(iter(annotation))
        for kind, sample in (
            (bool, True),
            (int, 3),
            (float, 7.5),
            (str, f"s-{uuid.uuid4().hex[:6]}"),
            (datetime, datetime(2026, 6, 3, 12, 30, tzinfo=UTC)),
            (date, date(2026, 6, 1)),
        ):
            if issubclass(annotation, kind):
                return sample
    if annotation is Any:
        return {"any": 1}
    raise NotImplementedError(f"no sample for {annotation!r}: extend the round-trip test")


def _field(info: FieldInfo, variant: Variant) -> tuple[bool, Any]:
    """(include the key, its value) for one field under ``variant``."""
    nullable, inner = _optional(info.annotation)
    if nullable and variant == "none":
        return True, None
    if not info.is_required() and variant == "absent":
        return False, None
    return True, _value(inner, variant)


def _sample(model: type[BaseModel], variant: Variant) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        include, value = _field(info, variant)
        if include:
            out[name] = value
    return out


@pytest.fixture(scope="module")
async def producer(kafka_bootstrap: str) -> typing.AsyncIterator[AIOKafkaProducer]:
    p = create_producer(kafka_settings(kafka_bootstrap))
    await p.start()
    yield p
    await p.stop()


def test_every_service_event_has_a_contract() -> None:
    assert {c.event_type for c in CONTRACTS} >= {"report.recorded", "institution.registered"}


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("contract", CONTRACTS, ids=lambda c: c.event_type)
def test_payload_round_trips_through_the_envelope(
    contract: type[EventPayload], variant: Variant
) -> None:
    sent = contract.model_validate(_sample(contract, variant))
    key, value, headers = encode(CloudEvent.of(sent))
    event = decode(value, headers)
    assert key == sent.subject.encode()
    assert (event.type, event.version) == (contract.event_type, contract.event_version)
    assert contract.model_validate(event.data) == sent


async def test_every_payload_round_trips_through_kafka(
    kafka_bootstrap: str, producer: AIOKafkaProducer
) -> None:
    topic = f"contracts.{uuid.uuid4().hex[:8]}.events"
    await ensure_topics(kafka_settings(kafka_bootstrap), [topic], partitions=1)
    sent: dict[str, EventPayload] = {}
    for contract in CONTRACTS:
        for variant in VARIANTS:
            event = CloudEvent.of(contract.model_validate(_sample(contract, variant)))
            key, value, headers = encode(event)
            await producer.send_and_wait(topic, value=value, key=key, headers=headers)
            sent[event.id] = contract.model_validate(event.data)
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka_bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        tp = TopicPartition(topic, 0)
        consumer.assign([tp])
        await consumer.seek_to_beginning(tp)
        received: dict[str, EventPayload] = {}
        while len(received) < len(sent):
            batch = await consumer.getmany(tp, timeout_ms=5000)
            assert batch, f"only {len(received)} of {len(sent)} records came back"
            for record in batch[tp]:
                event = decode(record.value, record.headers)
                contract = next(c for c in CONTRACTS if c.event_type == event.type)
                received[event.id] = contract.model_validate(event.data)
    finally:
        await consumer.stop()
    assert received == sent
