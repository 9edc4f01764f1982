"""Where CPU-bound work runs: a pool of processes beside the event loop.

Signing and canonicalizing a credential take about a millisecond of pure
Python each; done on the event loop they would stall every request and
heartbeat that loop serves. A worker process hands such work to its
:class:`CpuPool` (``runtime.cpu``) and awaits the result, so its loop stays
free and the work spreads over every core.

Rules for what goes in:
- a module-level function and picklable arguments and results (the pool
  spawns fresh interpreters; nothing of the caller's state is shared);
- batches, not single items, where the per-call overhead (pickling, one
  hop each way, about 0.1 ms) would rival the work itself;
- never a private key in the arguments: pass what selects the key and let
  the function load it from the key store inside the pool process.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


class CpuPool:
    def __init__(self, processes: int = 0) -> None:
        """``processes`` = 0: one per core."""
        self.processes = processes or os.cpu_count() or 1
        self._executor: ProcessPoolExecutor | None = None

    def _pool(self) -> ProcessPoolExecutor:
        # Started on first use: a worker that never signs never pays for it.
        if self._executor is None:
            self._executor = ProcessPoolExecutor(
                self.processes, mp_context=multiprocessing.get_context("spawn")
            )
        return self._executor

    async def run(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """``fn(*args, **kwargs)`` in a pool process; the event loop waits, unblocked."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool(), partial(fn, *args, **kwargs))

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
