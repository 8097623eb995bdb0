"""The switcher took the lease over, but its takeover failed part-way (the broker refused its consumer), and an API
started before its next try: it then deferred to the API with the lease still held, so the API could not lead and
nobody projected for DEFER_LIMIT intervals, after which the switcher overrode the API and kept the lease for HOLD
more. A takeover taken part-way is finished at the next try, and the lease handed over as any leader does."""

from __future__ import annotations

import asyncio
from typing import Any

import aio_pika
import pytest

from services.shared.bus import Bus
from services.shared.db import projector as projector_module
from services.shared.db.engine import open_engine
from services.shared.db.releases import ReleaseDatabase
from services.shared.db.settings import DatabaseSettings
from services.shared.db.standby_follow import DEFER_LIMIT, HOLD
from tests.db.conftest import leader_and_standby, projecting
from tests.db.test_projection_prefers_the_api import Model, running

LEASE = 0.2  # the old code: (DEFER_LIMIT + HOLD) x LEASE = 14 s before the API led; now about 2 x LEASE


async def test_the_api_leads_soon_after_a_takeover_that_failed_part_way(
        bus: Bus, any_database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    real = projector_module.consume_stream
    refused, api_stood = asyncio.Event(), asyncio.Event()

    async def refused_until_the_api_stood(*args: Any, **kwargs: Any) -> Any:
        if not api_stood.is_set():
            refused.set()
            raise aio_pika.exceptions.AMQPConnectionError("broker away")
        return await real(*args, **kwargs)

    third_engine = open_engine(DatabaseSettings(GREENLIGHT_DATABASE_URL=any_database))  # type: ignore[call-arg]
    third = ReleaseDatabase(third_engine)
    try:
        async with leader_and_standby(any_database) as (first, second):
            switcher, api = Model(bus, second, preferred=False), Model(bus, third, preferred=True)
            switcher.model.lease_interval = api.model.lease_interval = LEASE
            stand = api.model.projector.lease.stand

            async def told_stand() -> bool:
                stood = await stand()
                api_stood.set()
                return stood

            api.model.projector.lease.stand = told_stand  # type: ignore[method-assign]
            async with projecting(bus, first, lease_interval=LEASE) as leader, running(switcher):
                assert leader.leading and not switcher.model.leading
                monkeypatch.setattr(projector_module, "consume_stream", refused_until_the_api_stood)
                await leader.stop()  # the switcher takes the lease over, and its consume is refused
                await asyncio.wait_for(refused.wait(), 10)
                assert switcher.model.projector.lease.held  # its fold worker made, but nothing consumed
                started = asyncio.get_running_loop().time()
                async with running(api):
                    await api.until(lambda: api.model.leading, timeout=(DEFER_LIMIT + HOLD) * LEASE / 2)
                    took = asyncio.get_running_loop().time() - started
                    print(f"the API led {took:.1f} s after it started")
                    await switcher.until(lambda: not switcher.model.leading, timeout=5)
    finally:
        third.close()
        await third_engine.dispose()
