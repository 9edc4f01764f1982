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
import signal
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from typing import Any, ParamSpec, TypeVar

from meriter_shared.messaging.consumer import TransientError
from meriter_shared.procs import die_with_parent

P = ParamSpec("P")
T = TypeVar("T")
A = TypeVar("A")


def _start_child(
    owner: int, initializer: Callable[..., object] | None, initargs: tuple[Any, ...]
) -> None:
    """In each pool process: die with the process that owns the pool (a killed
    worker leaves no orphans), then the caller's initializer. An owner that
    died while this process was still starting (its imports take a while) is
    noticed here: the kernel's death signal only covers deaths after it is set."""
    die_with_parent(signal.SIGKILL)
    if os.getppid() != owner:
        os._exit(1)
    if initializer is not None:
        initializer(*initargs)


def _pid() -> int:
    """A moment's work that names the process doing it (see ``CpuPool.warm``)."""
    time.sleep(0.05)  # held long enough that each call of a round takes its own process
    return os.getpid()


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
                initializer=_start_child,
                initargs=(os.getpid(), self.initializer, self.initargs),
            )
        return self._executor

    async def run(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """``fn(*args, **kwargs)`` in a pool process; the event loop waits, unblocked.

        A pool that lost a process (killed, out of memory) is replaced, and the
        call fails as transient, so the consumer runner tries the work again.
        """
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._pool(), partial(fn, *args, **kwargs))
        except BrokenProcessPool as exc:
            broken, self._executor = self._executor, None
            if broken is not None:
                broken.shutdown(wait=False, cancel_futures=True)
            raise TransientError("a CPU pool process died; the pool was replaced") from exc

    async def map(self, fn: Callable[[list[A]], list[T]], items: list[A]) -> list[T]:
        """``fn`` over ``items`` split in one slice per pool process, results in order."""
        if len(items) <= 1 or self.processes == 1:
            return await self.run(fn, items)
        size = -(-len(items) // self.processes)
        slices = [items[i : i + size] for i in range(0, len(items), size)]
        results = await asyncio.gather(*(self.run(fn, part) for part in slices))
        return [item for part in results for item in part]

    async def warm(self) -> list[int]:
        """Start every pool process now, not when the first work arrives: each
        imports what its work needs and runs the initializer (a second or two of
        CPU apiece), which would otherwise land in the middle of the first burst.
        Returns the processes' ids."""
        seen: set[int] = set()
        for _ in range(10):
            pids = await asyncio.gather(*(self.run(_pid) for _ in range(self.processes)))
            seen.update(pids)
            if len(seen) >= self.processes:
                break
        return sorted(seen)

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
