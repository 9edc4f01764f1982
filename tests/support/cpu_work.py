"""A module-level CPU-bound function the CPU-pool test sends to another process."""

from __future__ import annotations

import os


def burn(n: int) -> tuple[int, int]:
    """The pid it ran in and a sum nobody can guess without working."""
    return os.getpid(), sum(i * i % 7 for i in range(n))


def mark_started(directory: str) -> None:
    """A pool initializer that leaves a file named after its process in ``directory``."""
    with open(os.path.join(directory, str(os.getpid())), "w"):
        pass
