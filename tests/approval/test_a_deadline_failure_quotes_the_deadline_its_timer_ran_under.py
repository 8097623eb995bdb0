"""A step's deadline changed by a restart (GREENLIGHT_DEADLINE_<STEP>) leaves the timers of releases that started
before it in the old value's queue, which fire at the old value (shared/deadlines.py: "they fire at the value the
release started under"). The `failed` such a timer publishes must quote that value, the one the release was failed
at. Seen: a build started under a 1.5 s deadline, the service restarted with 60 min, and the release failed after
1.5 s "did not finish within its deadline of 60 min": the watcher quoted the setting in force when it fired (it
now reads the deadline from the timer queue the broker dead-lettered the timer from, `x-first-death-queue`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from services.approval.settings import ApprovalSettings
from services.shared.db.runtime import DATABASE
from services.shared.deadlines import STEP_DEADLINES, DeadlineSettings, deadline_queue_name, timers_record_name
from services.shared.events import first_event
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS, service_app
from tests.approval.conftest import api_client, reach
from tests.harness import delete_queues, make_release, running

BEFORE = DeadlineSettings(build=timedelta(seconds=1.5))
NOW = DeadlineSettings(build=timedelta(minutes=60))


@pytest.fixture
async def timers(settings: ApprovalSettings) -> AsyncIterator[None]:
    yield
    names = {deadline_queue_name(settings.bus, step, d.of(step)) for step in STEP_DEADLINES for d in (BEFORE, NOW)}
    await delete_queues(settings.bus, *names, timers_record_name(settings.bus))


async def test_a_deadline_changed_meanwhile_is_not_the_one_quoted(settings: ApprovalSettings, timers: None) -> None:
    # The service under the old deadline: its timer queue bound, its watcher's queue declared.
    async with api_client(settings.model_copy(update={"deadlines": BEFORE})):
        pass
    # A build starts while it is down (nobody builds it): its timer is the old value's.
    release = make_release("deadline-quoted", app="deadline-changed")
    async with running(service_app("deadline-probe", settings.bus)) as probe:
        await probe[BUS].publish(first_event(release, actor="ann"))
    # Restarted with a longer deadline: the old queue is unbound, and kept while it holds the timer.
    async with api_client(settings.model_copy(update={"deadlines": NOW})) as client:
        await reach(client, release.id, S.FAILED)
        failed = await client.app[DATABASE].get(release.id)
    assert failed is not None and failed.error is not None and failed.error.step == "build"
    assert failed.error.reason == ("build did not finish within its deadline of 1.5 s (GREENLIGHT_DEADLINE_BUILD); "
                                   "the release was still requested")
