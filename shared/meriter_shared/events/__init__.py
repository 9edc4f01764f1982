"""Event contracts: the CloudEvents envelope, topics and typed payloads."""

from meriter_shared.events.contracts import EventPayload, UnknownEventVersion
from meriter_shared.events.envelope import CloudEvent, decode, encode
from meriter_shared.events.topics import Topics

__all__ = ["CloudEvent", "EventPayload", "Topics", "UnknownEventVersion", "decode", "encode"]
