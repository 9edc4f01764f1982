"""Event contracts: the CloudEvents envelope, topics and typed payloads."""

from meriter_shared.events.envelope import CloudEvent, UnknownEventVersion, decode, encode
from meriter_shared.events.topics import Topics

__all__ = ["CloudEvent", "Topics", "UnknownEventVersion", "decode", "encode"]
