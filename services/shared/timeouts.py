"""`bounded`: asyncio.wait_for's job without its lost cancellations.

On Python 3.11 (this project's), `asyncio.wait_for` returns the awaited result when that result and a
cancellation of the caller arrive together, and the cancellation is gone: a task cancelled at shutdown then
carries on (a follower loops on, a publisher keeps publishing), and whoever awaits it waits forever. Seen in
tests as 300 s hangs. `asyncio.timeout` keeps the cancellation; Python 3.12 rebuilt wait_for on it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

T = TypeVar("T")


async def bounded(awaitable: Awaitable[T], seconds: float | None) -> T:
    """`await awaitable`, or TimeoutError after `seconds` (None: no limit); a cancellation always propagates."""
    async with asyncio.timeout(seconds):
        return await awaitable
