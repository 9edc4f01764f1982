"""CloudEvents 1.0 envelope in Kafka binary mode.

Binary mode: the event's attributes travel as ``ce_<attribute>`` headers
(UTF-8), ``content-type`` carries ``datacontenttype``, and the message value
is the JSON data alone. The message key is the aggregate id (``subject``) so
one aggregate's events stay ordered on one partition.

Schema evolution: ``dataschema`` names the payload's schema and version
(``urn:meriter:schema:<type>:<version>``). Adding an optional field keeps the
version; a breaking change bumps it and registers an upcaster with
``register_upcaster``; ``decode`` upgrades old payloads so handlers only see
the current shape. Unknown fields are kept and ignored by consumers.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

SPEC_VERSION = "1.0"
JSON = "application/json"
_KNOWN_HEADERS = ("id", "source", "type", "specversion", "subject", "time", "dataschema")

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]
# (type, from_version) -> (to_version, function)
_UPCASTERS: dict[tuple[str, int], tuple[int, Upcaster]] = {}
_CURRENT: dict[str, int] = {}


class UnknownEventVersion(ValueError):
    """The event's schema version is newer than this consumer knows."""


def schema_urn(event_type: str, version: int) -> str:
    return f"urn:meriter:schema:{event_type}:{version}"


def parse_schema_version(dataschema: str | None) -> int:
    if not dataschema:
        return 1
    try:
        return int(dataschema.rsplit(":", 1)[1])
    except (IndexError, ValueError):
        return 1


def register_event(event_type: str, version: int) -> None:
    """Declare the current version of an event type's payload."""
    _CURRENT[event_type] = version


def register_upcaster(event_type: str, from_version: int, fn: Upcaster) -> None:
    _UPCASTERS[(event_type, from_version)] = (from_version + 1, fn)


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
    def new(
        cls,
        *,
        type: str,
        source: str,
        subject: str,
        data: BaseModel | Mapping[str, Any],
        version: int | None = None,
        id: str | None = None,
        time: datetime | None = None,
    ) -> CloudEvent:
        payload = (
            data.model_dump(mode="json", exclude_none=True)
            if isinstance(data, BaseModel)
            else json.loads(json.dumps(dict(data), default=str))
        )
        v = version or _CURRENT.get(type, 1)
        kwargs: dict[str, Any] = {}
        if id:
            kwargs["id"] = id
        if time:
            kwargs["time"] = time
        return cls(
            type=type,
            source=source,
            subject=subject,
            data=payload,
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
    value = json.dumps(event.data, separators=(",", ":"), ensure_ascii=False).encode()
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
    data = json.loads(value or b"null")
    if not isinstance(data, dict):
        raise ValueError("CloudEvent data must be a JSON object")
    event_type = attrs["type"]
    version = parse_schema_version(attrs.get("dataschema"))
    data, version = _upcast(event_type, data, version)
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


def _upcast(event_type: str, data: dict[str, Any], version: int) -> tuple[dict[str, Any], int]:
    current = _CURRENT.get(event_type)
    while (event_type, version) in _UPCASTERS:
        version, fn = _UPCASTERS[(event_type, version)]
        data = fn(data)
    if current is not None and version > current:
        raise UnknownEventVersion(f"{event_type} v{version} is newer than v{current}")
    return data, version


def header_dict(headers: Iterable[tuple[str, bytes]]) -> dict[str, str]:
    return {k: v.decode("utf-8", "replace") for k, v in headers}
