"""What DEQAR's formats share: reading an activity's type from its name, and
DEQAR's habit of giving one value where a list is meant."""

from __future__ import annotations

from typing import Any

from meriter_shared.qa import ActivityType


def as_list(value: Any) -> list[Any]:
    """``value`` as a list: itself if it is one, else a list of it."""
    return value if isinstance(value, list) else [value]


def activity_type(activity: str) -> ActivityType | None:
    """DEQAR activity names carry their type's words; other names need ``activity_type``."""
    words = activity.lower()
    if "joint" in words:
        return ActivityType.JOINT_PROGRAMME
    if "institutional/programme" in words:
        return ActivityType.INSTITUTIONAL_PROGRAMME
    if "programme" in words or "program" in words:
        return ActivityType.PROGRAMME
    if "institution" in words:
        return ActivityType.INSTITUTIONAL
    return None
