"""Time as an argument: the one ``Clock`` type and the wall clock services default to.

Rules take a ``Clock`` (``create_app(clock=...)``, ``service(..., clock)``)
instead of reading the time themselves, so a test can fix or move time
without sleeping. A ``Clock`` answers an aware UTC ``datetime``; intervals
and rate limits use a ``MonotonicClock`` (seconds, never going back).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

__all__ = ["Clock", "MonotonicClock", "monotonic", "utc_now"]

Clock = Callable[[], datetime]
MonotonicClock = Callable[[], float]


def utc_now() -> datetime:
    """Now, aware, in UTC."""
    return datetime.now(UTC)


monotonic: MonotonicClock = time.monotonic
