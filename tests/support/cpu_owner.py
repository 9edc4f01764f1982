"""A process that owns a CPU pool and prints its pool process's pid; then it waits
to be killed or, with ``--die-early``, dies at once while that process is starting."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/, for support

from meriter_shared.cpu import CpuPool
from support.cpu_work import burn


async def main() -> None:
    pool = CpuPool(1)
    if "--die-early" in sys.argv:
        started = asyncio.ensure_future(pool.run(burn, 10))
        await asyncio.sleep(0)  # submitted: the pool process is being spawned
        (child,) = multiprocessing.active_children()
        print(child.pid, flush=True)
        os._exit(0)  # before the child has imported anything: no cleanup, like a SIGKILL
        await started
    pid, _ = await pool.run(burn, 10)
    print(pid, flush=True)
    await asyncio.sleep(120)


if __name__ == "__main__":
    asyncio.run(main())
