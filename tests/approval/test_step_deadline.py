"""A release stuck in a step past its deadline fails with the step and the reason, and its app is free again;
here nothing ever builds it, as when the broker dead-lettered its message. A release that moves on in time is
left alone."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from services.approval.settings import ApprovalSettings
from services.shared.db.runtime import DATABASE
from services.shared.deadlines import STEP_DEADLINES, DeadlineSettings, deadline_queue_name
from services.shared.protocol import ReleaseState as S
from tests.approval.conftest import api_client, reach, request_release
from tests.approval.fakes import fake_pipeline
from tests.harness import delete_queues, running

SHORT = DeadlineSettings(build=timedelta(seconds=1.5), push=timedelta(seconds=0.5), deploy=timedelta(seconds=0.5),
                         switch=timedelta(seconds=0.5))


@pytest.fixture
async def short(settings: ApprovalSettings) -> AsyncIterator[ApprovalSettings]:
    yield settings.model_copy(update={"deadlines": SHORT})
    await delete_queues(settings.bus, *(deadline_queue_name(settings.bus, s, SHORT.of(s)) for s in STEP_DEADLINES))


async def test_a_release_nobody_builds_fails_at_the_build_deadline(short: ApprovalSettings) -> None:
    async with api_client(short) as client:  # no builder: the `requested` message waits forever
        stuck = await request_release(client)
        await reach(client, stuck["id"], S.FAILED)
        failed = await client.app[DATABASE].get(stuck["id"])
        again = await request_release(client)  # asserts 202: the app is free again
    assert failed is not None and failed.error is not None
    assert failed.error.step == "build"
    assert failed.error.reason == ("build did not finish within its deadline of 1.5 s (GREENLIGHT_DEADLINE_BUILD); "
                                   "the release was still requested")
    assert again["app"] == "demo"


async def test_a_release_that_moves_on_in_time_is_left_alone(short: ApprovalSettings) -> None:
    async with api_client(short) as client:
        async with running(fake_pipeline(short.bus)):
            staged = await request_release(client)
            await reach(client, staged["id"], S.AWAITING_APPROVAL)
        # A sentinel of another app that nobody builds: its build timer expires after `staged`'s (same delay
        # queue, FIFO), and the push and deploy timers of `staged` are shorter still.
        sentinel = await request_release(client, app="other")
        await reach(client, sentinel["id"], S.FAILED)
        states = [stored.event.state for stored in await client.app[DATABASE].history(staged["id"])]
    assert states[-1] is S.AWAITING_APPROVAL and S.FAILED not in states
