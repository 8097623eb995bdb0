"""`bounded` (services/shared/timeouts.py) never loses a cancellation that arrives with the result, as Python
3.11's asyncio.wait_for does: the follower and publisher loops that used it ran on after being cancelled."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from services.shared.timeouts import bounded


async def result_and_cancel_together(wait: Callable[[Awaitable[str], float], Awaitable[str]]) -> str:
    inner: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    waiting = asyncio.create_task(wait(inner, 10))
    await asyncio.sleep(0)  # the task is now suspended on `inner`
    inner.set_result("done")
    waiting.cancel()  # in the same loop turn: both wake the task
    return await waiting


async def test_a_cancellation_arriving_with_the_result_is_kept() -> None:
    with pytest.raises(asyncio.CancelledError):
        await result_and_cancel_together(bounded)


async def test_the_result_comes_back_and_a_late_awaitable_times_out() -> None:
    assert await bounded(asyncio.sleep(0, "ok"), 1) == "ok"
    with pytest.raises(TimeoutError):
        await bounded(asyncio.Event().wait(), 0.01)
