"""Issuer consumers: where handlers are wired to topics.

``registry-projection`` keeps the shared registry projection
(``meriter_shared.projections.registry``) so issuing never calls the registry.
"""

from __future__ import annotations

from meriter_shared.events.topics import Topics
from meriter_shared.projections import registry as registry_projection
from meriter_shared.runtime import ConsumerSpec


def registry_consumer() -> ConsumerSpec:
    return ConsumerSpec(
        name="issuer.registry-projection",
        topics=[Topics.REGISTRY],
        handlers=registry_projection.subscriptions(),
    )
