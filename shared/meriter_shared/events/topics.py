"""Kafka topic names: ``<domain>.events``, keyed by aggregate id."""

from __future__ import annotations


class Topics:
    REGISTRY = "registry.events"
    RESULTS = "results.events"
    CREDENTIALS = "credentials.events"
    NOTIFICATIONS = "notifications.events"

    @staticmethod
    def dead_letter(topic: str) -> str:
        return f"{topic}.dlq"

    @classmethod
    def all(cls) -> list[str]:
        base = [cls.REGISTRY, cls.RESULTS, cls.CREDENTIALS, cls.NOTIFICATIONS]
        return base + [cls.dead_letter(t) for t in base]
