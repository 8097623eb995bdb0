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

FOLLOW = 0.02
TRIES = 5  # failed tries awaited while the database is away


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
        pauses: list[float] = []  # what the standby waits before each look: the follow interval, or its backoff
        backed_off = asyncio.Event()
        wait = model._wakeup.wait

        recovered = asyncio.Event()  # a look that succeeded after the backoff: the pause is the follow interval again

        async def spy(timeout: float) -> None:
            pauses.append(timeout)
            if sum(pause > FOLLOW for pause in pauses) >= TRIES:
                backed_off.set()
            if backed_off.is_set() and timeout == FOLLOW:
                recovered.set()
            await wait(timeout)

        model._wakeup.wait = spy  # type: ignore[method-assign]
        try:
            assert not model.leading
            with capture_logs() as logs:
                await proxy.away()
                try:
                    # 40 + 80 + ... + 640 ms backing off; tried every 20 ms, the pauses never grew.
                    await asyncio.wait_for(backed_off.wait(), 10)
                except TimeoutError:
                    raise AssertionError(f"no backoff: {len(pauses)} pauses, the last {pauses[-5:]}") from None
                await proxy.back()
                await publish_all(bus, chain("r1"))
                await wait_for_state(standby, "r1", S.AWAITING_APPROVAL, timeout=20)
                # The test's own read can see r1 while the standby still sits out its last backoff pause.
                await asyncio.wait_for(recovered.wait(), 10)
        finally:
            await model.stop()
    grown = [pause for pause in pauses if pause > FOLLOW]
    assert grown[:TRIES] == [FOLLOW * 2 ** n for n in range(1, TRIES + 1)], grown
    assert pauses[-1] == FOLLOW, "back to the follow interval once the database answers"
    tries = [e for e in logs if e["event"].startswith("read model standby: database or broker unavailable")]
    assert [e["retry_in"] for e in tries] == grown, "one warning per try, saying when the next is"
