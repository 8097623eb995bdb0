"""An older replica starting up re-arms the approval policy's timers of every release awaiting approval that it can
read, past one whose `awaiting_approval` event a newer Greenlight wrote at schema version 2: that one is left to a
newer replica, with one log line.

Before, the start-up pass parsed that event with this version's model (a pydantic ValidationError), logged
"re-arming the policy timers failed" and stopped: no release after it (by id) got its timers, none parked.
On SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio

from structlog.testing import capture_logs

from services.approval.policy_rearm import TIMER_REARM
from services.approval.settings import ApprovalSettings
from services.shared.db.settings import DatabaseSettings
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from tests.approval.conftest import api_client
from tests.approval.fakes import FakeClock
from tests.approval.newer_replica import newer_replica, newer_steps
from tests.db.conftest import chain
from tests.db.newer_events import logged, publish_bodies


async def test_timers_rearmed_past_a_release_this_version_cannot_read(settings: ApprovalSettings,
                                                                      any_database: str) -> None:
    settings = settings.model_copy(update={"database": DatabaseSettings()})  # from GREENLIGHT_DATABASE_URL
    clock = FakeClock()
    async with api_client(settings, clock=clock) as first:  # no expiry yet: nothing parked while they wait
        bus = first.app[BUS]
        # "a1" sorts first: the pass reads the waiting releases by id.
        await publish_bodies(bus, newer_steps(chain("a1", app="api"), scanning=False, schema_2=S.AWAITING_APPROVAL)
                             + logged(chain("b1", app="web")))
        async with newer_replica(bus, any_database):
            expiring = settings.model_copy(update={"policy": settings.policy.model_copy(
                update={"default_expiry_seconds": 3600})})
            with capture_logs() as logs:
                async with api_client(expiring, clock=clock) as restarted:  # the older replica restarting
                    rearm = restarted.app[TIMER_REARM]
                    async with asyncio.timeout(20):
                        await rearm.done.wait()
            assert rearm.parked == 1, logs  # b1's expiry
            assert [line["release"] for line in logs if "newer" in line["event"]] == ["a1"], logs
