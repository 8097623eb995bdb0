"""An older replica's background watchers leave a release whose events are this version's but whose stored release
row a newer Greenlight wrote in a shape this version does not read (a newer replica's fold writes the snapshot in its
own shape: here a colour this version does not know): a step's deadline does not fail it, and the approval policy
does not approve a rollback by its request; each says so in one log line, and a newer replica acts on the release.

Before, both read only the release's latest event (gate.latest_known), as the decisions of a person did: the deadline
published `failed` and the policy `approved` for a release a newer replica had stored as something this version
cannot read. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import pytest
from structlog.testing import capture_logs

from services.approval.deadlines import DeadlineWatch
from services.approval.policy_watch import POLICY_WATCH
from services.approval.settings import ApprovalSettings
from services.shared.db.runtime import DATABASE
from services.shared.db.settings import DatabaseSettings
from services.shared.deadlines import DeadlineSettings
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from tests.approval.conftest import api_client
from tests.approval.newer_replica import newer_replica, stored_as_newer
from tests.approval.test_older_replica_watchers_leave_a_newer_release import Publishing
from tests.db.conftest import HAPPY, chain


@pytest.fixture
def settings(settings: ApprovalSettings, any_database: str) -> ApprovalSettings:
    return settings.model_copy(update={"database": DatabaseSettings()})  # from GREENLIGHT_DATABASE_URL


async def test_watchers_leave_a_release_stored_in_a_newer_shape(settings: ApprovalSettings,
                                                                any_database: str) -> None:
    async with api_client(settings) as client:
        bus = client.app[BUS]
        pushing = chain("w1", app="shop", states=HAPPY[:3])  # its push deadline's `built` comes back
        restoring = chain("w2", app="api", restores="w0")  # a rollback `to` w0, awaiting approval by its request
        async with newer_replica(bus, any_database) as newer:
            # Folded by the newer replica, not delivered to this one's queues: its own policy watch would approve w2
            # by its request at once, before the row below is the newer version's.
            await newer.record_all([*pushing, *restoring])
            for release_id in ("w1", "w2"):
                await stored_as_newer(newer, release_id, standby_colour="purple")
            deadline, watch_deadline = Publishing(bus), DeadlineWatch(client.app[DATABASE], DeadlineSettings())
            with capture_logs() as logs:
                await watch_deadline(pushing[2], deadline)  # type: ignore[arg-type]
            assert deadline.published == [], deadline.published
            assert [line["release"] for line in logs if "newer" in line["event"]] == ["w1"], logs

            policy = Publishing(bus)
            watch = client.app[POLICY_WATCH]
            with capture_logs() as logs:
                await watch(restoring[-1], policy)  # type: ignore[arg-type]
            assert policy.published == [] and watch.outcomes["newer"] == 1, watch.outcomes
            latest = await newer.latest("w2")  # no approval recorded (the desk records before it publishes)
            assert latest is not None and latest.state is S.AWAITING_APPROVAL, latest
            assert [line["release"] for line in logs if "newer" in line["event"]] == ["w2"], logs
