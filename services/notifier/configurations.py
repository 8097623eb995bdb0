"""Whose GREENLIGHT_NOTIFIER_SUBSCRIPTIONS the database shows while replicas run different ones (a rolling update).

Every replica writes its environment's subscriptions into the database (environment_holds.py: the ids the API
refuses, their masked views, and it frees the ids its environment lacks, deleting their state), at start and every
re-binding. During a rolling update that changed the setting, old and new replicas undid each other's every
GREENLIGHT_NOTIFIER_REBIND_INTERVAL: an id held, freed, held again, the API's 409 coming and going, and a state row
deleted with its id (a 410's disabling: the gone receiver was sent to again).

So each replica records its configuration (`greenlight_notifier_configurations`, migration 0014: the hash of what it
writes) at each of those, and writes only while its configuration is the newest one still run (seen within
`live_for`, a few re-bindings): a replica of an older one leaves the database alone. One no replica ran for longer
than that while another ran on, then run again, is the newest (a rollback: the operator's latest word); a gap of
everyone's (the database away) changes no order. Once the replicas of the newest are all gone, the newest of those
left writes, within `live_for` (`ROUNDS` re-bindings). Unseen is counted up to when this replica's round was due, not
when it came: a round that came late (a stall of the process, the machine, the database) takes no configuration that ran
until then for gone; one whose previous round was that late finds the others gone a round later. Times are each
replica's clock: a skew matters only between configurations rolled out within that skew of each other. The hash is of
the public views alone, never of a state: a pause (an admin's, a 410's) changes no configuration, and a write of the
newest leaves it as it is.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import NamedTuple

import structlog
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from services.shared.db import schema
from services.shared.db.engine import writing
from services.shared.db.rows import utc
from services.shared.release import utcnow
from services.shared.subscription_states import public_view
from services.shared.subscriptions import SubscriptionSpec

log = structlog.get_logger(__name__)
configurations = schema.greenlight_notifier_configurations
KEPT = timedelta(days=7)  # a configuration unseen this long is forgotten (seen again, it is new)
ROUNDS = 3  # re-bindings a configuration counts as run after it was last seen: `live_for` is that many rounds
_TRIES = 3  # replicas of one configuration starting at once insert the same row: the one that lost reads it again


def fingerprint(environment: Sequence[SubscriptionSpec]) -> str:
    """The hash of what a replica writes for its environment: two that write the same have the same one."""
    views = sorted((spec.id, public_view(spec)) for spec in environment)
    return hashlib.sha256(json.dumps(views).encode()).hexdigest()


class Configurations:
    def __init__(self, engine: AsyncEngine, live_for: timedelta) -> None:
        self.engine = engine
        self.live_for = live_for
        self._newest: bool | None = None  # as last found: a change is logged

    async def newest(self, environment: Sequence[SubscriptionSpec], now: datetime | None = None) -> bool:
        """This replica's configuration seen now; whether it is the newest one still run (it writes)."""
        mine = fingerprint(environment)
        for tries_left in reversed(range(_TRIES)):
            try:
                newest = await self._seen(mine, now or utcnow())
                break
            except IntegrityError:
                if not tries_left:
                    raise
        if newest != self._newest:
            if newest and self._newest is not None:
                log.info("this replica's GREENLIGHT_NOTIFIER_SUBSCRIPTIONS is the newest run again: it writes them")
            elif not newest:
                log.warning("another replica runs a newer GREENLIGHT_NOTIFIER_SUBSCRIPTIONS: this one leaves the "
                            "environment's subscriptions in the database to it (a rolling update under way?); give "
                            "every replica the same setting")
            self._newest = newest
        return newest

    async def _seen(self, mine: str, now: datetime) -> bool:
        # Written after it is read: SQLite refused at once ("database is locked") a deferred transaction whose read
        # came before another replica's commit; the write lock first, a replica waits its turn (busy_timeout).
        async with writing(self.engine) as connection:
            rows = {row.hash: Seen(utc(row.first_seen), utc(row.run_since), utc(row.last_seen))
                    for row in (await connection.execute(select(configurations))).all()}
            live = {h: seen for h, seen in rows.items() if now - seen.last <= self.live_for}
            before = rows.get(mine)
            seen = self._now_seen(before, live, mine, now)
            # Gone: unseen for `live_for` by when this round was due (a round after this configuration's previous
            # one), not merely by now. A round that came late (the process stalled, the machine loaded, the database
            # slow) is no evidence the others stopped: they were most likely held up alike, and a CI run's old
            # replica wrote over a new one that ran on.
            judged = min(now, before.last + self.live_for / ROUNDS) if before is not None else now
            running = {h: s for h, s in rows.items() if judged - s.last <= self.live_for}
            running[mine] = seen
            if mine in rows:
                await connection.execute(update(configurations).where(configurations.c.hash == mine).values(
                    first_seen=seen.first, run_since=seen.since, last_seen=seen.last))
            else:
                await connection.execute(insert(configurations).values(
                    hash=mine, first_seen=seen.first, run_since=seen.since, last_seen=seen.last))
            await connection.execute(delete(configurations).where(configurations.c.last_seen < now - KEPT))
        return max(running, key=lambda h: (running[h].first, h)) == mine

    def _now_seen(self, before: Seen | None, live: dict[str, Seen], mine: str, now: datetime) -> Seen:
        if before is None:
            return Seen(now, now, now)
        if mine in live:
            return before._replace(last=now)
        # A gap: not run since `before.last`. Seen again after another ran on without it all along, it is the latest
        # word (a rollback); after a gap of everyone's (the database away), the order stands.
        ran_on = any(seen.since <= before.last for h, seen in live.items() if h != mine)
        return Seen(now if ran_on else before.first, now, now)


class Seen(NamedTuple):
    first: datetime  # when it came: the newest came last
    since: datetime  # its current run began: seen with no gap longer than `live_for` since
    last: datetime
