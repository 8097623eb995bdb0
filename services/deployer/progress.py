"""Rollout progress while the deployer waits for the standby: how many replicas of the new release are ready.

The Platform's `wait_ready` blocks until the colour is ready (a watch on Kubernetes, a probe loop
locally); this looks at the same colour beside it, through `read`, at the reporter's pace.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from services.shared.platform import AppRef, Platform, PlatformError
from services.shared.progress import ProgressReporter
from services.shared.release import Colour


@contextlib.asynccontextmanager
async def rollout_progress(platform: Platform, app: AppRef, colour: Colour, replicas: int,
                           reporter: ProgressReporter, every: float) -> AsyncIterator[None]:
    """Reports `<colour>: <ready>/<replicas> replicas ready` every `every` seconds until the block ends,
    then once more as ready (the block ends normally only when `wait_ready` saw the colour ready)."""
    loop = asyncio.get_running_loop()
    started = loop.time()

    async def tick() -> None:
        while True:
            await asyncio.sleep(every)
            try:
                state = (await platform.read(app)).colour(colour)
            except PlatformError:
                continue  # only a report: the wait itself decides what an unreachable platform means
            # The new template's replicas only: the colour's ready count includes the old release's pods it replaces.
            ready = 0 if state is None else replicas if state.ready else min(state.updated_ready, replicas)
            await reporter.report(f"{colour}: {ready}/{replicas} replicas ready after "
                                  f"{loop.time() - started:.0f}s", ready, replicas)

    await reporter.report(f"{colour}: 0/{replicas} replicas ready", 0, replicas)
    task = asyncio.create_task(tick())
    try:
        yield
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    await reporter.report(f"{colour}: {replicas}/{replicas} replicas ready after "
                          f"{loop.time() - started:.1f}s", replicas, replicas)
    await reporter.flush()
