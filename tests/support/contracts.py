"""Event contracts the kernel's tests publish and consume."""

from __future__ import annotations

from typing import ClassVar

from meriter_shared.events.contracts import EventPayload


class ThingHappened(EventPayload):
    """``thing.happened``: the kernel tests' event; ``n`` tells them apart."""

    event_type: ClassVar[str] = "thing.happened"
    topic: ClassVar[str] = "test.events"
    source: ClassVar[str] = "urn:test"
    subject_field: ClassVar[str] = "agg"

    n: int
    agg: str = "agg"
