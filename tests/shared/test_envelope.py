"""CloudEvents binary-mode envelope and schema evolution."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import ClassVar

import pytest
from pydantic import BaseModel

from meriter_shared.events.contracts import EventPayload, UnknownEventVersion, Upcaster
from meriter_shared.events.envelope import CloudEvent, decode, encode


class Greeting(BaseModel):
    text: str


def test_encode_puts_attributes_in_ce_headers_and_data_alone_in_the_value() -> None:
    event = CloudEvent.new(
        type="greeting.sent", source="urn:test", subject="agg-1", data={"text": "hej"}
    )
    key, value, headers = encode(event)
    names = dict(headers)
    assert key == b"agg-1"
    assert json.loads(value) == {"text": "hej"}
    assert names["ce_id"] == event.id.encode()
    assert names["ce_type"] == b"greeting.sent"
    assert names["ce_specversion"] == b"1.0"
    assert names["ce_subject"] == b"agg-1"
    assert names["content-type"] == b"application/json"
    assert names["ce_dataschema"] == b"urn:meriter:schema:greeting.sent:1"


def test_decode_restores_the_event_that_was_encoded() -> None:
    event = CloudEvent.new(
        type="greeting.sent", source="urn:test", subject="a", data={"text": "hej"}
    )
    _, value, headers = encode(event)
    back = decode(value, headers)
    assert back.model_dump(exclude={"extensions"}) == event.model_dump(exclude={"extensions"})


def test_decode_refuses_a_record_without_cloudevents_headers() -> None:
    with pytest.raises(ValueError, match="not a CloudEvent"):
        decode(b'{"text": "hej"}', [("content-type", b"application/json")])


def test_decode_refuses_data_that_is_not_a_json_object() -> None:
    event = CloudEvent.new(type="x.y", source="urn:test", subject="a", data={})
    _, _, headers = encode(event)
    with pytest.raises(ValueError, match="JSON object"):
        decode(b"[1, 2]", headers)


class NameChanged(EventPayload):
    """v2 splits v1's ``full_name``; the upcaster turns old payloads into new ones."""

    event_type: ClassVar[str] = "name.changed"
    event_version: ClassVar[int] = 2
    topic: ClassVar[str] = "test.events"
    source: ClassVar[str] = "urn:test"
    subject_field: ClassVar[str] = "person"
    upcasters: ClassVar[Mapping[int, Upcaster]] = {
        1: lambda d: {
            **d,
            "given": d["full_name"].split(" ", 1)[0],
            "family": d["full_name"].split(" ", 1)[1],
        },
    }

    person: str
    given: str
    family: str


def test_decode_upcasts_an_old_payload_to_the_current_version() -> None:
    old = CloudEvent.new(
        type="name.changed",
        source="urn:test",
        subject="a",
        data={"person": "a", "full_name": "Ada Lovelace"},
        version=1,
    )
    _, value, headers = encode(old)
    event = decode(value, headers)
    assert NameChanged.model_validate(event.data).given == "Ada"
    assert event.data["family"] == "Lovelace"
    assert event.version == 2


def test_decode_refuses_a_version_newer_than_the_consumer_knows() -> None:
    newer = CloudEvent.new(type="name.changed", source="urn:test", subject="a", data={}, version=3)
    _, value, headers = encode(newer)
    with pytest.raises(UnknownEventVersion):
        decode(value, headers)


def test_an_event_from_a_typed_payload_takes_its_contract_attributes() -> None:
    payload = NameChanged(person="p-1", given="Ada", family="Lovelace")
    event = CloudEvent.of(payload)
    assert (event.type, event.source, event.subject) == ("name.changed", "urn:test", "p-1")
    assert event.dataschema == "urn:meriter:schema:name.changed:2"


def test_a_second_contract_for_one_event_type_is_refused() -> None:
    with pytest.raises(TypeError, match="already has the contract"):

        class Impostor(EventPayload):
            event_type: ClassVar[str] = "name.changed"
            topic: ClassVar[str] = "test.events"
            source: ClassVar[str] = "urn:test"
            subject_field: ClassVar[str] = "x"

            x: str


def test_unknown_fields_are_kept_for_consumers_to_ignore() -> None:
    event = CloudEvent.new(
        type="greeting.sent", source="urn:test", subject="a", data={"text": "hej", "new": 1}
    )
    _, value, headers = encode(event)
    assert Greeting.model_validate(decode(value, headers).data).text == "hej"
