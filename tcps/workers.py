"""Parsing in worker processes, the results handed back in file order.

Parsing costs several times the database work, so ``tcps load``, and ``tcps refresh`` for the
files it must read, parse in worker processes while they write. A worker's result is what each
file holds, or the reason it could not be read (one bad file, or a parser bug on it, must not
stop the others): a string crosses processes safely, whatever the exception was.

Workers run at a lower priority (``WORKER_NICENESS``): the writer, and on PostgreSQL the
server's backend, are the one stage that cannot run in parallel, and the workers parse well
ahead of it, so a worker should take a core only when neither wants it.

Workers die with the process that started them, even by ``kill -9``: a forked worker holds
copies of its parent's descriptors (the database connection, the writer lock), so a worker
outliving a killed load would keep its transaction open and the lock held. Linux sends each
worker SIGKILL when its parent ends (``PR_SET_PDEATHSIG``). Ctrl-C is the parent's alone: the
workers ignore SIGINT, which a terminal sends the whole process group, so that an interrupted
run prints its one line rather than a traceback from each worker; leaving ``InOrder`` stops
them.
"""
from __future__ import annotations

import ctypes
import os
import signal
import sys
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from functools import partial
from itertools import islice
from typing import Generic, TypeVar

from tcps.errors import failure_reason
from tcps.record import Record
from tcps.sources import DEFAULT_MAX_SIZE, SourceFile, read_source

T = TypeVar("T")
R = TypeVar("R")

# The fewest files worth a worker process: starting one (and its import of the parser) costs
# about as much as parsing this many.
PARALLEL_FROM = 64
# Files a worker parses per task (fewer round trips between processes), and tasks handed out
# per worker ahead of the writer: enough to keep the workers busy while the writer writes a
# batch (more files than tcps.load.BATCH), few enough that parsed records (with their bytes
# and text) do not pile up in the writer while the database takes them.
CHUNK = 16
TASKS_PER_WORKER = 8
# Added to a worker's nice value (see above).
WORKER_NICENESS = 10
# prctl(2)'s option that has the kernel signal a process when its parent ends.
_PR_SET_PDEATHSIG = 1


class InOrder(Generic[T, R]):
    """Each of ``items`` with ``task(item)``, in order. For ``jobs`` > 1 and at least
    PARALLEL_FROM items, computed in worker processes from the moment it is made: up to ``jobs``
    of them, one for every PARALLEL_FROM items, ``chunk`` items a task, at most
    ``TASKS_PER_WORKER`` tasks a worker ahead of the reader. Else here, as it is read.
    ``task`` is pickled to the workers; an exception it raises comes back as its item's reason
    (``failure_reason``), here as there: raised in a worker, it would end the whole run.

    Made before it is needed, it works while its maker does something else (a refresh imports
    SQLAlchemy meanwhile: tcps.quick), and ``items`` tells what it works on. A context manager:
    leaving it stops the workers."""

    def __init__(self, task: Callable[[T], R], items: Sequence[T], jobs: int, chunk: int = CHUNK):
        self.items = items
        self._task = task
        self._pending: deque[tuple[Sequence[T], Future[list[R | str]]]] = deque()
        self._pool: ProcessPoolExecutor | None = None
        if jobs > 1 and len(items) >= PARALLEL_FROM:
            workers = min(jobs, len(items) // PARALLEL_FROM)
            self._pool = ProcessPoolExecutor(workers, initializer=_start_worker, initargs=(os.getpid(),))
            self._parts = (items[start:start + chunk] for start in range(0, len(items), chunk))
            try:
                self._submit(workers * TASKS_PER_WORKER + 1)
            except BaseException:  # no fork (too many processes): no pool left half started
                self.close()
                raise

    def __iter__(self) -> Iterator[tuple[T, R | str]]:
        if self._pool is None:
            yield from ((item, _or_reason(self._task, item)) for item in self.items)
            return
        while self._pending:
            part, results = self._pending.popleft()
            yield from zip(part, results.result(), strict=True)
            self._submit(1)

    def _submit(self, tasks: int) -> None:
        assert self._pool is not None
        for part in islice(self._parts, tasks):
            self._pending.append((part, self._pool.submit(_each, self._task, part)))

    def close(self) -> None:
        """Stop the workers: the tasks not started are dropped, those running are waited for."""
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)

    def __enter__(self) -> InOrder[T, R]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def parse_in_order(files: list[str], jobs: int, max_size: int = DEFAULT_MAX_SIZE,
                   chunk: int = CHUNK) -> InOrder[str, tuple[Record, SourceFile]]:
    """Each file with its (record, source), or the reason it could not be read, in order
    (``InOrder``). No file of more than ``max_size`` bytes is read."""
    return InOrder(partial(read_source, max_size=max_size), files, jobs, chunk)


def _start_worker(parent: int) -> None:
    """A worker's first acts: ignore Ctrl-C and lower its priority; ask for SIGKILL when its
    parent ends, and end now if the parent ended already (between the fork and this call), on
    Linux."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(os, "nice"):
        os.nice(WORKER_NICENESS)
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(1)


def _each(task: Callable[[T], R], items: Sequence[T]) -> list[R | str]:
    """One worker's share: ``task`` of each item of a chunk."""
    return [_or_reason(task, item) for item in items]


def _or_reason(task: Callable[[T], R], item: T) -> R | str:
    try:
        return task(item)
    except Exception as e:  # a bad file, or a parser bug on it, must not stop the others
        return failure_reason(e)
