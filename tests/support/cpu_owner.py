"""A process that owns a CPU pool, prints its pool process's pid, then waits to be killed."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/, for support

from meriter_shared.cpu import CpuPool
from support.cpu_work import burn


async def main() -> None:
    pool = CpuPool(1)
    pid, _ = await pool.run(burn, 10)
    print(pid, flush=True)
    await asyncio.sleep(120)


if __name__ == "__main__":
    asyncio.run(main())
