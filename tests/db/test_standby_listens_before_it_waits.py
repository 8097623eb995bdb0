"""A fold that commits while a standby is still setting up its LISTEN notifies nobody. The standby must then look
again at once, not sleep its whole follow interval: its start (and every reader it wakes) would wait that long
for a fold already done. Found as a 1-in-12 failure of test_standby_woken_by_the_fold.py; here the fold is made
to land in that window every time. PostgreSQL's alone, like the notifications."""

from __future__ import annotations

import asyncio
import time

import pytest

from services.shared.bus import Bus
from services.shared.db.projector import Projector
from services.shared.db.standby import ReadModel
from tests.db.conftest import leader_and_standby, projecting

SLOW_LOOK = 30.0


async def test_a_fold_during_the_listen_set_up_is_not_waited_out(bus: Bus, postgres_url: str,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    async with leader_and_standby(postgres_url) as (leader, standby), projecting(bus, leader):
        model = ReadModel(Projector(bus, standby), follow_interval=SLOW_LOOK, lease_interval=60.0)
        before = leader.version
        listen = model._wakeup._listen
        listened = []

        async def listen_after_the_fold() -> None:
            # The leader folds the standby's marker (its only event) before the LISTEN takes hold.
            await leader.changed(before, 10)
            assert leader.version != before, "the leader never folded the standby's marker"
            listened.append(time.monotonic())
            await listen()

        monkeypatch.setattr(model._wakeup, "_listen", listen_after_the_fold)
        started = time.monotonic()
        await asyncio.wait_for(model.start(timeout=20), 10)
        try:
            assert listened, "the standby found the marker folded before it waited: nothing was raced"
            assert not model.leading
            assert time.monotonic() - listened[0] < 5, "the standby slept on a fold it had missed"
            assert time.monotonic() - started < 10
        finally:
            await model.stop()
