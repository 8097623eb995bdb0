"""A step's deadline timer after the release log's stream was replaced (deleted and declared again: the database keeps
every release, and the new stream's events are stored after the old ones, db/log_consumer.py): the watcher still
waits for the read model to fold what the log holds before it decides.

Before, it compared the folded offset (the database's, which runs on past the old stream's) with the end of the new
stream (its own offsets, from 0 again): always past it, so it decided at once on a read model that had not folded the
step's outcome. A build that finished in time (`built` logged, the projector lingering over it) was failed."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from services.approval.deadlines import DeadlineWatch
from services.shared.bus import Bus
from services.shared.db.releases import ReleaseDatabase
from services.shared.deadlines import DeadlineSettings
from services.shared.events import ReleaseEvent
from services.shared.protocol import ReleaseState as S
from tests.db.conftest import bus, chain, database, engine, projecting, publish_all  # noqa: F401 - fixtures
from tests.db.log_probes import logged_again, publish_retried
from tests.harness import delete_queues, wait_for_state

DEADLINES = DeadlineSettings(build=timedelta(seconds=1), push=timedelta(minutes=10), deploy=timedelta(minutes=10),
                             switch=timedelta(minutes=10))


async def test_a_deadline_after_the_stream_was_replaced_waits_for_the_fold(
        bus: Bus, database: ReleaseDatabase, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    published: list[ReleaseEvent] = []
    async with projecting(bus, database, linger=30.0) as projector:  # intermediate steps wait to be folded
        for rid in ("r1", "r2", "r3"):  # the old stream: the database's offsets run on past the new one's
            await publish_all(bus, chain(rid, app=rid))
        await wait_for_state(database, "r3", S.AWAITING_APPROVAL)
        await delete_queues(bus.settings, bus.settings.log_stream)
        await logged_again(bus.settings)
        requested, building, built = chain("r4", app="r4", states=(S.BUILDING, S.BUILT))
        await publish_retried(bus, [requested])
        await wait_for_state(database, "r4", S.REQUESTED)  # folded at once
        await publish_retried(bus, [building, built])  # in time; the projector lingers over them

        async def publish(event: ReleaseEvent) -> None:
            published.append(event)

        monkeypatch.setattr(bus, "publish", publish)
        await asyncio.wait_for(DeadlineWatch(database, DEADLINES)(requested, bus), 15)
        latest = await database.latest("r4")
        assert projector.base > 0  # the stream was replaced
    assert published == [], f"a release that finished its build in time was failed: {published}"
    assert latest is not None and latest.state is S.BUILT
