"""A leader whose stream consumer was lost (a reconnect, the stream deleted) consumes it again. Had its connection
gone silent meanwhile, aiormq cancelled the calls in flight (stuck.py): the CancelledError, nobody's cancellation,
ended that task without a word, and the process went on leading, folding nothing ever again, its readiness and
lease both fine. It now counts as the broker being away: tried again, and the events logged meanwhile are folded."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from services.shared.bus import Bus
from services.shared.db import log_consumer as log_consumer_module
from services.shared.db.releases import ReleaseDatabase
from services.shared.protocol import ReleaseState as S
from tests.db.conftest import chain, projecting, publish_all
from tests.harness import wait_for_state


async def test_a_consume_again_cut_off_by_a_stuck_connection_is_tried_again(
        bus: Bus, database: ReleaseDatabase, monkeypatch: pytest.MonkeyPatch) -> None:
    real = log_consumer_module.consume_stream
    cut: list[str] = []

    async def cut_off_once(*args: Any, **kwargs: Any) -> Any:
        if not cut:
            cut.append("once")
            raise asyncio.CancelledError  # as aiormq cancels a call in flight on a connection found stuck
        return await real(*args, **kwargs)

    async with projecting(bus, database, lease_interval=0.2) as leader:
        assert leader.leading
        monkeypatch.setattr(log_consumer_module, "consume_stream", cut_off_once)
        channel = leader._channel
        assert channel is not None
        await channel.close()  # the consumer lost, as in a reconnect: consumed again
        await publish_all(bus, chain("r1"))
        await wait_for_state(database, "r1", S.AWAITING_APPROVAL, timeout=15)
        assert cut and leader.leading
