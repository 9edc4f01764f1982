"""The end-to-end tier's stack: one per test module, started as ``make up`` starts it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from support.driver import Platform
from support.stack import RunningStack, new_stack


@pytest.fixture(scope="module")
def stack(workdir: Path, request: pytest.FixtureRequest) -> Iterator[RunningStack]:
    """The platform for this module (its state in ``stack-<module>``)."""
    module = request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")
    s = new_stack(workdir / f"stack-{module}")
    s.start()
    yield s
    s.stop()


@pytest.fixture(scope="module")
async def platform(stack: RunningStack) -> Platform:
    """A client of the module's platform, signed in as the national body."""
    urls = {s: stack.url(s) for s in ("registry", "issuer", "verifier", "notifier")}
    return await Platform.connect(urls, stack.state_dir / "admin-client.json")
