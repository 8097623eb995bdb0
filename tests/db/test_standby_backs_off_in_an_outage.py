"""A standby in a database outage tries again after a growing pause (up to the projector's 5 s), as the leading
projector does, not every follow interval (50 ms by default): each try is a connection attempt and a warning, so
every standby replica of every service hammered the database as it came back and wrote ~5 warnings a second
(372 in the 20 s outage of tests/hardening/test_database_away.py, with four standbys in one process). Once the
database answers again the standby follows the folds as before."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from sqlalchemy.engine import make_url
from structlog.testing import capture_logs

from services.shared.bus import Bus
from services.shared.db.engine import open_engine
from services.shared.db.projector import Projector
from services.shared.db.releases import ReleaseDatabase
from services.shared.db.settings import DatabaseSettings
from services.shared.db.standby import ReadModel
from services.shared.protocol import ReleaseState as S
from tests.db.conftest import chain, leader_and_standby, projecting, publish_all
from tests.harness import wait_for_state
from tests.tcp_proxy import TcpProxy

OUTAGE = 3.0  # seconds: the fault's length, not a wait for something to happen
FOLLOW = 0.02


@contextlib.asynccontextmanager
async def behind_a_proxy(postgres_url: str) -> AsyncIterator[tuple[ReleaseDatabase, TcpProxy]]:
    url = make_url(postgres_url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    await proxy.start()
    through = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    engine = open_engine(DatabaseSettings(GREENLIGHT_DATABASE_URL=through))  # type: ignore[call-arg]
    database = ReleaseDatabase(engine)
    try:
        yield database, proxy
    finally:
        database.close()
        await engine.dispose()
        await proxy.stop()


async def test_a_standby_backs_off_while_the_database_is_away(bus: Bus, postgres_url: str) -> None:
    async with leader_and_standby(postgres_url) as (leader, _), projecting(bus, leader), \
            behind_a_proxy(postgres_url) as (standby, proxy):
        model = ReadModel(Projector(bus, standby), follow_interval=FOLLOW, lease_interval=0.5)
        await asyncio.wait_for(model.start(timeout=20), 15)
        try:
            assert not model.leading
            with capture_logs() as logs:
                await proxy.away()
                await asyncio.sleep(OUTAGE)
                await proxy.back()
                await publish_all(bus, chain("r1"))
                await wait_for_state(standby, "r1", S.AWAITING_APPROVAL, timeout=20)
        finally:
            await model.stop()
    tries = [e for e in logs if e["event"].startswith("read model standby: database or broker unavailable")]
    # Doubling from 20 ms: 20, 40 ... 1280, 2560 ms is eight tries in 3 s (a try every 20 ms was ~100).
    assert 1 <= len(tries) <= 10, f"{len(tries)} tries in a {OUTAGE:.0f} s outage"
    assert [e["retry_in"] for e in tries[:3]] == [FOLLOW * 2, FOLLOW * 4, FOLLOW * 8], tries[:3]
