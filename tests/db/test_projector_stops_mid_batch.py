"""A stop asked while a batch is being folded ends the projector as soon as that batch is committed: the batch
that empties the queue of deliveries must not swallow the stop signal (the projector then sat out its whole grace
period, holding the lease, before it was cancelled)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import pytest

from services.shared.bus import Bus
from services.shared.db import fold_loop as fold_loop_module
from services.shared.db.projector import Projector
from services.shared.db.releases import ReleaseDatabase
from services.shared.db.standby import ReadModel
from services.shared.protocol import ReleaseState as S
from tests.db.conftest import chain, publish_all
from tests.harness import wait_for_state


async def test_a_stop_during_a_batch_is_not_lost(bus: Bus, database: ReleaseDatabase,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    model = ReadModel(Projector(bus, database), follow_interval=0.02)
    await model.start(timeout=30)
    real = database.writer.run
    entered, go_on = asyncio.Event(), asyncio.Event()

    async def held(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        # Held before the batch's transaction, on the event loop: on PostgreSQL the fold runs on the loop itself,
        # where a blocking wait would stall everything, the stop included.
        if fn is fold_loop_module.fold_batch_sync:
            entered.set()
            await go_on.wait()
        return await real(fn, *args, **kwargs)

    try:
        monkeypatch.setattr(database.writer, "run", held)
        await publish_all(bus, chain("r1", states=()))
        await asyncio.wait_for(entered.wait(), 10)
        started = time.monotonic()
        stopping = asyncio.create_task(model.projector.stop(grace=10))
        await asyncio.sleep(0)  # one loop turn: the stop task's first step asks the worker to stop...
        assert model.projector._stopping  # ...while the batch is still held in the writer's hands
        go_on.set()
        await asyncio.wait_for(stopping, 15)
        assert time.monotonic() - started < 5, "the stop waited out its grace period"
        await wait_for_state(database, "r1", S.REQUESTED)  # the batch in hand was committed, not cancelled
    finally:
        go_on.set()
        await model.stop()
