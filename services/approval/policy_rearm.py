"""At start-up, the approval policy's timers of the releases already awaiting approval, by the policy now in force.

A release's timers are parked when it becomes ready, for `due - now` by the policy in force then (policy_watch.py).
One that comes back is judged by the policy in force when it does, so a timer the operator lengthened since is
parked again for the rest; but one the operator shortened (a restart with a lower expiry bound or default, a lower
soak, auto-promotion allowed) came back at the old time, or never: an expiry of 1 h set where it was 7 days waited
7 days. So once the read model holds everything logged before start-up, each waiting release gets the timers the
policy now in force asks for, each parked once among all the replicas and restarts (`PolicyTimers.park_once`): a
restart with unchanged bounds parks none. The old timers stay parked; one that fires for a decided release does
nothing, one that fires early is parked again. A release whose approvals meet the count now in force (the minimum
lowered since) is approved instead: only an approval completed a count, and it waited, "2 of 2", until it expired.

A release whose waiting event a newer Greenlight wrote (newer_rows.py) is left to a newer replica, with one log line:
it stopped the whole pass, and no release after it got its timers.

In the background, a page of releases at a time: /readyz does not wait for it. With the database or the broker away
it tries again a few times, then leaves it to the next start (the old timers still fire meanwhile).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import sqlalchemy as sa
import structlog
from aiohttp import web

from services.approval.policy_decisions import approve_if_counted
from services.approval.policy_watch import POLICY_WATCH, PolicyWatch
from services.shared.bus import PublishFailed
from services.shared.db.newer_rows import NewerEvent, shown_event
from services.shared.db.outage import is_outage
from services.shared.db.releases import ReleaseDatabase
from services.shared.db.runtime import DATABASE
from services.shared.db.schema import events, releases
from services.shared.protocol import ReleaseState
from services.shared.runtime import BUS
from services.shared.timeouts import bounded

log = structlog.get_logger(__name__)
PAGE = 200
RETRY_DELAYS = (5.0, 30.0, 120.0)  # seconds before each new pass, after the database or the broker was away
# The event each waiting release was folded from (releases_by_state finds them), a page at a time by id.
_WAITING = (sa.select(releases.c.id, events.c.body)
            .join(events, sa.and_(events.c.release_id == releases.c.id, events.c.seq == releases.c.seq,
                                  events.c.variant == 0))
            .where(releases.c.state == ReleaseState.AWAITING_APPROVAL.value)
            .order_by(releases.c.id).limit(PAGE))


class TimerRearm:
    def __init__(self, database: ReleaseDatabase, watch: PolicyWatch) -> None:
        self.database = database
        self.watch = watch
        self.parked = 0  # timers this process parked (the others were parked before, by it or another)
        self.done = asyncio.Event()
        self._stopping = asyncio.Event()

    async def run(self) -> None:
        try:
            for delay in (*RETRY_DELAYS, None):
                try:
                    await self._pass()
                    log.info("policy timers of waiting releases re-armed", parked=self.parked)
                    return
                except Exception as exc:
                    if not (is_outage(exc) or isinstance(exc, PublishFailed)):
                        log.error("re-arming the policy timers failed", error=repr(exc)[:300], exc_info=exc)
                        return
                    log.warning("policy timers not re-armed: database or broker unavailable", error=repr(exc)[:200],
                                again_in=delay if delay is not None else "the next start")
                if delay is None or await self._stopped_within(delay):
                    return
        finally:
            self.done.set()

    async def stop(self, task: asyncio.Task[None], grace: float) -> None:
        """Between two timers: one cut off half-way through its AMQP calls could unsettle the connection."""
        self._stopping.set()
        _, pending = await asyncio.wait({task}, timeout=grace)
        for late in pending:
            late.cancel()
        await asyncio.gather(task, return_exceptions=True)

    async def _pass(self) -> None:
        after = ""
        while not self._stopping.is_set():
            rows = await self.database.rows(_WAITING.where(releases.c.id > after))
            for release_id, body in rows:
                after = release_id
                waiting = shown_event(body, release_id)
                if isinstance(waiting, NewerEvent):  # a newer Greenlight's: its replicas time it, not this one
                    log.warning("policy timers of a release left to a newer Greenlight; not re-armed",
                                release=release_id, unknown=waiting.why)
                    continue
                if await approve_if_counted(self.watch.desk, waiting):  # no timer needed any more
                    log.info("approved by the approvals it had: the count in force is lower", release=release_id)
                    continue
                now = self.watch.desk.clock.now()
                for kind, due in self.watch.dues(waiting):
                    if self._stopping.is_set():
                        return
                    if await self.watch.timers.park_once(waiting, kind, due, now):
                        self.parked += 1
                        log.info("policy timer re-armed", release=release_id, timer=kind, due=due.isoformat())
            if len(rows) < PAGE:
                return

    async def _stopped_within(self, seconds: float) -> bool:
        with contextlib.suppress(TimeoutError):
            await bounded(self._stopping.wait(), seconds)
        return self._stopping.is_set()


TIMER_REARM = web.AppKey("timer_rearm", TimerRearm)


async def rearm_ctx(app: web.Application) -> AsyncIterator[None]:
    """After the consumers' context (add_subscriptions): the watch exists, and the read model is current."""
    app[TIMER_REARM] = rearm = TimerRearm(app[DATABASE], app[POLICY_WATCH])
    task = asyncio.create_task(rearm.run(), name="policy-timer-rearm")
    yield
    await rearm.stop(task, app[BUS].settings.grace_period)
