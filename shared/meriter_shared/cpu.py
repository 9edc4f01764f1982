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
- never a private key in the arguments: pass it sealed (``secrets.py``) and
  let the pool process, whose initializer loaded the master key ring, open it.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from typing import Any, ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


class CpuPool:
    def __init__(
        self,
        processes: int = 0,
        *,
        initializer: Callable[..., object] | None = None,
        initargs: tuple[Any, ...] = (),
    ) -> None:
        """``processes`` = 0: one per core. ``initializer(*initargs)`` runs once in
        each pool process (e.g. to load what its work needs, like a key ring)."""
        self.processes = processes or os.cpu_count() or 1
        self.initializer = initializer
        self.initargs = initargs
        self._executor: ProcessPoolExecutor | None = None

    def _pool(self) -> ProcessPoolExecutor:
        # Started on first use: a worker that never signs never pays for it.
        if self._executor is None:
            self._executor = ProcessPoolExecutor(
                self.processes,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=self.initializer,
                initargs=self.initargs,
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
