"""What the read model's transactions cost in CPU, and the kernel names of the threads that run them.

The counter is this process's (`/metrics`: `greenlight_database_cpu_seconds_total`, the orchestration bench), whatever
runner (transaction_runner.py) ran the transaction; the names let `top -H`, py-spy and the bench tell the
database's threads from the rest.
"""

from __future__ import annotations

import contextlib
import ctypes
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

# The OS name of the database's threads (`top -H`, /proc/<pid>/task/*/comm): the orchestration bench sums their CPU.
DB_THREAD_PREFIX = "gl-db-"


@dataclass
class TransactionCpu:
    """CPU seconds this process spent inside SQLite transactions of the read model, whatever runner ran them: what
    the database costs, next to the whole process's CPU (the orchestration bench, `/metrics`). A transaction on
    PostgreSQL awaits the server inside it, so timing it here would count whatever ran meanwhile: not counted
    (the bench reads the server's CPU instead)."""

    on_loop: float = 0.0
    on_threads: float = 0.0  # concurrent threads add up: CPU, not wall time
    transactions: int = 0


SPENT = TransactionCpu()  # one per process: every engine's runners add to it
_SPENT_LOCK = threading.Lock()  # threads of several runners add at once; a lost update would undercount


@contextlib.contextmanager
def counted(on_loop: bool) -> Iterator[None]:
    """Adds the calling thread's CPU time inside the block to SPENT, as one transaction."""
    started = time.thread_time()
    try:
        yield
    finally:
        spent = time.thread_time() - started
        with _SPENT_LOCK:
            if on_loop:
                SPENT.on_loop += spent
            else:
                SPENT.on_threads += spent
            SPENT.transactions += 1


def name_os_thread(name: str) -> None:
    """Give the calling thread `name` (15 bytes at most) in the kernel too. Python before 3.14 names a thread only
    for itself, so a profiler or `top -H` could not tell the database's threads from the rest.

    A pool's initializer that raises breaks the pool (every later job fails), and a name is not worth that: any
    error is swallowed. `CDLL(None)` is the process's own symbols, libc's among them: no `find_library`, which
    runs `ldconfig` in a subprocess."""
    if sys.platform != "linux":
        return
    with contextlib.suppress(Exception):
        ctypes.CDLL(None).prctl(15, name.encode()[:15], 0, 0, 0)  # PR_SET_NAME
