"""The kernel's shape: the outbox writer stays light, modules stay readable, shared
errors and the clock are where services find them."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC
from pathlib import Path

import pytest

import meriter_shared
from meriter_shared.clock import utc_now
from meriter_shared.errors import (
    BadRequest,
    Gone,
    Problem,
    RequestTimeout,
    UnsupportedMediaType,
)

KERNEL = Path(meriter_shared.__file__).parent
MAX_LINES = 500


def test_importing_the_outbox_writer_does_not_import_the_kafka_client() -> None:
    probe = (
        "import sys\n"
        "from meriter_shared.db.outbox import enqueue, enqueue_many, MAX_EVENT_BYTES\n"
        "from meriter_shared.messaging.subscriptions import on, on_batch\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] == 'aiokafka')\n"
        "print(','.join(loaded))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "", f"the outbox writer imports {done.stdout.strip()}"


def test_the_relay_and_the_runner_still_import_what_services_use() -> None:
    from meriter_shared.db.outbox import OutboxRelay as Compat
    from meriter_shared.messaging.consumer import (  # noqa: F401
        ConsumerRunner,
        Delivery,
        Subscription,
        TransientError,
        on,
        on_batch,
    )
    from meriter_shared.messaging.relay import OutboxRelay, parked_count  # noqa: F401

    assert Compat is OutboxRelay  # where the bench imports it from


@pytest.mark.parametrize(
    "module", sorted(KERNEL.rglob("*.py")), ids=lambda p: str(p.relative_to(KERNEL))
)
def test_no_kernel_module_is_over_500_lines(module: Path) -> None:
    lines = len(module.read_text().splitlines())
    assert lines <= MAX_LINES, (
        f"{module.relative_to(KERNEL.parent)} has {lines} lines; split it along its concerns"
    )


@pytest.mark.parametrize(
    ("problem", "status"), [(RequestTimeout, 408), (Gone, 410), (UnsupportedMediaType, 415)]
)
def test_the_shared_http_errors_are_problems_of_their_own_status(
    problem: type[Problem], status: int
) -> None:
    raised = problem("detail")
    assert raised.status == status
    assert raised.body()["status"] == status
    assert raised.type.startswith("https://meriter.example/problems/")


def test_unsupported_media_type_is_not_a_bad_request() -> None:
    assert not issubclass(UnsupportedMediaType, BadRequest)


def test_utc_now_is_aware_and_in_utc() -> None:
    assert utc_now().tzinfo is UTC
