"""CloudEvents 1.0 envelope in Kafka binary mode.

Binary mode: the event's attributes travel as ``ce_<attribute>`` headers
(UTF-8), ``content-type`` carries ``datacontenttype``, and the message value
is the JSON data alone. The message key is the aggregate id (``subject``) so
one aggregate's events stay ordered on one partition.

Schema evolution: ``dataschema`` names the payload's schema and version
(``urn:meriter:schema:<type>:<version>``). Each payload's contract
(:mod:`meriter_shared.events.contracts`) carries its version and upcasters;
``decode`` upgrades old payloads so handlers only see the current shape.
Unknown fields are kept and ignored by consumers.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from meriter_shared import jsonio
from meriter_shared.events.contracts import (
    EventPayload,
    contract_for,
    upcast,
)

SPEC_VERSION = "1.0"
JSON = "application/json"
_KNOWN_HEADERS = ("id", "source", "type", "specversion", "subject", "time", "dataschema")


def schema_urn(event_type: str, version: int) -> str:
    return f"urn:meriter:schema:{event_type}:{version}"


def parse_schema_version(dataschema: str | None) -> int:
    if not dataschema:
        return 1
    try:
        return int(dataschema.rsplit(":", 1)[1])
    except (IndexError, ValueError):
        return 1


class CloudEvent(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str = Field(default_factory=lambda: str(uuid.uuid4()))
    source: str
    type: str
    specversion: str = SPEC_VERSION
    subject: str
    time: datetime = Field(default_factory=lambda: datetime.now(UTC))
    datacontenttype: str = JSON
    dataschema: str | None = None
    data: dict[str, Any]
    # Trace context (W3C traceparent/tracestate) carried beside the event.
    extensions: dict[str, str] = Field(default_factory=dict)

    @classmethod
    def of(
        cls, payload: EventPayload, *, id: str | None = None, time: datetime | None = None
    ) -> CloudEvent:
        """The event a typed payload announces: type, version, source and subject
        come from its contract; every field is serialized, ``None`` included."""
        return cls._made(
            type=payload.event_type,
            source=payload.source,
            subject=payload.subject,
            data=payload.to_data(),  # JSON already: no round trip to normalize it
            version=payload.event_version,
            id=id,
            time=time,
        )

    @classmethod
    def new(
        cls,
        *,
        type: str,
        source: str,
        subject: str,
        data: Mapping[str, Any],
        version: int | None = None,
        id: str | None = None,
        time: datetime | None = None,
    ) -> CloudEvent:
        """An event from an untyped payload (tests, tools); services use :meth:`of`."""
        payload = json.loads(json.dumps(dict(data), default=str))
        return cls._made(
            type=type,
            source=source,
            subject=subject,
            data=payload,
            version=version,
            id=id,
            time=time,
        )

    @classmethod
    def _made(
        cls,
        *,
        type: str,
        source: str,
        subject: str,
        data: dict[str, Any],
        version: int | None,
        id: str | None,
        time: datetime | None,
    ) -> CloudEvent:
        known = contract_for(type)
        v = version or (known.event_version if known is not None else 1)
        kwargs: dict[str, Any] = {}
        if id:
            kwargs["id"] = id
        if time:
            kwargs["time"] = time
        return cls(
            type=type,
            source=source,
            subject=subject,
            data=data,
            dataschema=schema_urn(type, v),
            **kwargs,
        )

    @property
    def version(self) -> int:
        return parse_schema_version(self.dataschema)


def encode(event: CloudEvent) -> tuple[bytes, bytes, list[tuple[str, bytes]]]:
    """Event → (key, value, headers) for a Kafka record in binary mode."""
    headers: list[tuple[str, bytes]] = [
        ("ce_id", event.id.encode()),
        ("ce_source", event.source.encode()),
        ("ce_type", event.type.encode()),
        ("ce_specversion", event.specversion.encode()),
        ("ce_subject", event.subject.encode()),
        ("ce_time", event.time.isoformat().encode()),
        ("content-type", event.datacontenttype.encode()),
    ]
    if event.dataschema:
        headers.append(("ce_dataschema", event.dataschema.encode()))
    headers.extend((k, v.encode()) for k, v in event.extensions.items())
    value = jsonio.dumps(event.data)
    return event.subject.encode(), value, headers


def decode(value: bytes | None, headers: Sequence[tuple[str, bytes]]) -> CloudEvent:
    """Kafka record → event, upcast to the current payload version.

    Raises ``ValueError`` (or a pydantic ``ValidationError``) for a record
    that is not a CloudEvent; the consumer runner dead-letters those.
    """
    attrs: dict[str, str] = {}
    ext: dict[str, str] = {}
    content_type = JSON
    for key, raw in headers:
        text = raw.decode("utf-8")
        if key.startswith("ce_"):
            attrs[key[3:]] = text
        elif key == "content-type":
            content_type = text
        elif key in ("traceparent", "tracestate"):
            ext[key] = text
    missing = [k for k in ("id", "source", "type", "specversion") if k not in attrs]
    if missing:
        raise ValueError(f"not a CloudEvent: missing ce_{', ce_'.join(missing)}")
    if attrs["specversion"] != SPEC_VERSION:
        raise ValueError(f"unsupported CloudEvents specversion {attrs['specversion']}")
    if not content_type.startswith(JSON):
        raise ValueError(f"unsupported datacontenttype {content_type}")
    data = jsonio.loads(value or b"null")
    if not isinstance(data, dict):
        raise ValueError("CloudEvent data must be a JSON object")
    event_type = attrs["type"]
    version = parse_schema_version(attrs.get("dataschema"))
    data, version = upcast(event_type, data, version)
    return CloudEvent(
        id=attrs["id"],
        source=attrs["source"],
        type=event_type,
        subject=attrs.get("subject", ""),
        time=datetime.fromisoformat(attrs["time"]) if "time" in attrs else datetime.now(UTC),
        datacontenttype=content_type,
        dataschema=schema_urn(event_type, version),
        data=data,
        extensions=ext,
    )


def header_dict(headers: Iterable[tuple[str, bytes]]) -> dict[str, str]:
    return {k: v.decode("utf-8", "replace") for k, v in headers}
