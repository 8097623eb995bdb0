"""A standby takes the lease over just as its broker connection goes silent (a network partition: no reset, no
packet). aiormq finds the connection stuck after a few heartbeats and cancels the calls in flight, so the takeover's
consume raises CancelledError although nobody cancelled the standby. It must count as the broker being away: the
standby tries again once the connection is back and folds what was logged meanwhile. (It used to end the standby's
task without a word: the process held the lease and folded nothing ever again; tests/cluster/test_partition.py
showed it as an API whose read model stayed at `requested`.)"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from services.shared.bus import Bus
from services.shared.db.releases import ReleaseDatabase
from services.shared.protocol import ReleaseState as S
from tests.db.conftest import chain, projecting, publish_all
from tests.harness import wait_for_state
from tests.tcp_proxy import TcpProxy, proxied


@contextlib.asynccontextmanager
async def bus_behind_a_proxy(bus: Bus) -> AsyncIterator[tuple[Bus, TcpProxy]]:
    # One-second heartbeats: the silent connection is found stuck within seconds, not minutes.
    async with proxied(bus.settings, heartbeat=1) as (proxy, through):
        silent = Bus(through, connection_name="gltest-behind-proxy")
        await silent.connect()
        try:
            yield silent, proxy
        finally:
            proxy.thaw()
            await silent.close()


async def test_a_takeover_cut_off_by_a_stuck_connection_is_tried_again(bus: Bus, database: ReleaseDatabase) -> None:
    async with bus_behind_a_proxy(bus) as (silent, proxy), projecting(bus, database, lease_interval=0.2) as first, \
            projecting(silent, database, lease_interval=0.2) as second:
        assert first.leading and not second.leading
        stuck = asyncio.Event()
        silent.connection.close_callbacks.add(lambda *_: stuck.set())
        proxy.freeze()
        await first.stop()  # the lease is free: the standby's takeover now waits on the silent connection
        await asyncio.wait_for(stuck.wait(), 20)  # aiormq gave the connection up, cancelling the takeover's calls
        proxy.thaw()
        await publish_all(bus, chain("r1"))
        await wait_for_state(database, "r1", S.AWAITING_APPROVAL, timeout=20)
        assert second.leading
