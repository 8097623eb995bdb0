"""An older replica's background watchers leave a release a newer Greenlight moved on with an event this version
cannot read (a state it does not know, or a schema version 2): a step's deadline timer and an approval policy timer
that come back for it do nothing but say so in one log line; a newer replica acts on the release.

Before, the deadline watcher could not read the release's latest event (a pydantic ValidationError), read the log
instead, where the newest event it reads is the `built` that started the step, and published `failed` for a release
the newer replica had moved on. The policy timer's handler raised the ValidationError: redelivered until the delivery
limit, then given up, which publishes `failed` from the timer's own event. On SQLite and PostgreSQL.
"""

from __future__ import annotations

from typing import Any

import pytest
from structlog.testing import capture_logs

from services.approval.deadlines import DeadlineWatch
from services.approval.policy_timers import EXPIRE, TIMER
from services.approval.policy_watch import POLICY_WATCH
from services.approval.settings import ApprovalSettings
from services.shared.bus import Bus
from services.shared.db.runtime import DATABASE
from services.shared.db.settings import DatabaseSettings
from services.shared.deadlines import DeadlineSettings
from services.shared.events import ReleaseEvent
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from tests.approval.conftest import api_client
from tests.approval.newer_replica import as_the_newer_one_stores, newer_replica, newer_steps
from tests.db.conftest import HAPPY, chain
from tests.db.newer_events import publish_bodies


class Publishing:
    """The bus as a handler is given it, keeping what the handler publishes instead of sending it."""

    def __init__(self, bus: Bus) -> None:
        self.bus = bus
        self.published: list[ReleaseEvent] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.bus, name)

    async def publish(self, event: ReleaseEvent, *args: Any, **kwargs: Any) -> None:
        self.published.append(event)


@pytest.fixture
def settings(settings: ApprovalSettings, any_database: str) -> ApprovalSettings:
    settings = settings.model_copy(update={"policy": settings.policy.model_copy(
        update={"default_expiry_seconds": 3600})})
    return settings.model_copy(update={"database": DatabaseSettings()})  # from GREENLIGHT_DATABASE_URL


async def test_timers_for_a_release_a_newer_version_moved_on_do_nothing(settings: ApprovalSettings,
                                                                        any_database: str) -> None:
    async with api_client(settings) as client:
        bus = client.app[BUS]
        scanning = chain("r1", app="shop")  # `pushing` logged as `scanning`: the push deadline's `built` comes back
        decided = chain("r5", app="api", states=(*HAPPY, S.REJECTED))  # rejected by a newer API, at schema 2
        await publish_bodies(bus, newer_steps(scanning, S.PUSHING)
                             + newer_steps(decided, scanning=False, schema_2=S.REJECTED))
        async with newer_replica(bus, any_database) as newer:
            await as_the_newer_one_stores(newer)
            deadline = Publishing(bus)
            built = next(event for event in scanning if event.state is S.BUILT)
            with capture_logs() as logs:
                await DeadlineWatch(client.app[DATABASE], DeadlineSettings())(built, deadline)  # type: ignore[arg-type]
            assert deadline.published == []
            assert [line["release"] for line in logs if "newer" in line["event"]] == ["r1"], logs

            waiting = next(event for event in decided if event.state is S.AWAITING_APPROVAL)
            timer = waiting.model_copy(update={"details": {**waiting.details, TIMER: EXPIRE}})
            policy = Publishing(bus)
            watch = client.app[POLICY_WATCH]
            with capture_logs() as logs:
                await watch(timer, policy)  # type: ignore[arg-type]
            assert policy.published == [] and watch.outcomes["newer"] == 1
            assert [line["release"] for line in logs if "newer" in line["event"]] == ["r5"], logs
