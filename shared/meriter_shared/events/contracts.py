"""Typed event contracts: each payload model says what event it is.

A contract is an :class:`EventPayload` subclass that names, as class
attributes, its CloudEvents ``event_type`` (``<aggregate>.<past-tense verb>``),
its ``event_version``, the ``topic`` it travels on, the ``source`` that
publishes it, the field holding its aggregate id (``subject_field``, also the
Kafka key) and its ``upcasters``. Declaring the class registers it; one type
has one contract.

Invariants:
- Payloads are serialized with every field, ``None`` included: a consumer
  validating against the same contract never finds an optional key missing.
- Consumers ignore fields they do not know (``extra="ignore"``), so adding an
  optional field keeps the version. Removing or changing a field bumps
  ``event_version`` and adds ``upcasters[old_version]``, a function turning a
  payload of ``old_version`` into one of ``old_version + 1``; decoding applies
  them in turn, so handlers only ever see the current shape.
- A payload that breaks its contract is not worth retrying: the consumer
  runner dead-letters it at once with the validation error.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]

_CONTRACTS: dict[str, type[EventPayload]] = {}


class UnknownEventVersion(ValueError):
    """The event's schema version is newer than this consumer knows."""


class EventPayload(BaseModel):
    """Base of every event payload contract."""

    model_config = ConfigDict(extra="ignore")

    event_type: ClassVar[str]
    event_version: ClassVar[int] = 1
    topic: ClassVar[str]
    source: ClassVar[str]
    subject_field: ClassVar[str]
    upcasters: ClassVar[Mapping[int, Upcaster]] = {}

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        event_type = cls.__dict__.get("event_type")
        if event_type is None:
            return  # an abstract state shared by several event types
        known = _CONTRACTS.get(event_type)
        if known is not None and known.__qualname__ != cls.__qualname__:
            raise TypeError(f"{event_type} already has the contract {known.__qualname__}")
        missing = [a for a in ("topic", "source", "subject_field") if not hasattr(cls, a)]
        if missing:
            raise TypeError(f"contract {cls.__qualname__} lacks {', '.join(missing)}")
        if not hasattr(cls, cls.subject_field) and cls.subject_field not in cls.model_fields:
            raise TypeError(f"{cls.__qualname__}.subject_field names no field or property")
        _CONTRACTS[event_type] = cls

    @property
    def subject(self) -> str:
        """The aggregate id: the event's CloudEvents ``subject`` and its Kafka key."""
        return str(getattr(self, self.subject_field))

    def to_data(self) -> dict[str, Any]:
        """The JSON payload, every field present (``None`` kept)."""
        return self.model_dump(mode="json")


def contract_for(event_type: str) -> type[EventPayload] | None:
    return _CONTRACTS.get(event_type)


def all_contracts() -> dict[str, type[EventPayload]]:
    """Every contract declared so far (importing a module declares its contracts)."""
    return dict(_CONTRACTS)


def upcast(event_type: str, data: dict[str, Any], version: int) -> tuple[dict[str, Any], int]:
    """Bring a payload of ``version`` to its contract's current version."""
    contract = _CONTRACTS.get(event_type)
    if contract is None:
        return data, version
    while version < contract.event_version and version in contract.upcasters:
        data = contract.upcasters[version](data)
        version += 1
    if version > contract.event_version:
        raise UnknownEventVersion(
            f"{event_type} v{version} is newer than v{contract.event_version}"
        )
    return data, version
