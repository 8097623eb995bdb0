"""A policy timer due further ahead than RabbitMQ lets a delay queue live is parked all the same: for at most
the longest delay, then parked again for the rest when it comes back early. Before, the delay queue was declared
with `x-expires` of the whole delay plus its grace, which the broker refuses past 10 years (`value_too_large`): an
operator's `GREENLIGHT_API_POLICY_DEFAULT_EXPIRY_SECONDS` of 10 years ("practically never") made every release
that became ready fail its timer's publish, redelivered until the approval service gave the release up."""

from __future__ import annotations

import asyncio

from services.approval.policy_timers import MAX_DELAY_SECONDS
from services.approval.policy_watch import POLICY_WATCH
from services.approval.settings import ApprovalSettings
from services.shared.db.runtime import DATABASE
from services.shared.protocol import ReleaseState as S
from tests.approval.conftest import api_client, staged_release
from tests.approval.fakes import FakeClock, fake_pipeline
from tests.harness import running

TEN_YEARS = 3650 * 24 * 3600


async def test_a_ten_year_expiry_is_parked_and_the_release_waits(settings: ApprovalSettings) -> None:
    bounds = settings.policy.model_copy(update={"default_expiry_seconds": TEN_YEARS})
    async with running(fake_pipeline(settings.bus)), \
            api_client(settings.model_copy(update={"policy": bounds}), clock=FakeClock()) as client:
        release_id = await staged_release(client)
        async with asyncio.timeout(10):
            await client.app[POLICY_WATCH].outcome("set")
        latest = await client.app[DATABASE].latest(release_id)
        assert latest is not None and latest.state is S.AWAITING_APPROVAL
    assert MAX_DELAY_SECONDS < TEN_YEARS
