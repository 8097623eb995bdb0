"""Claims that make hooks idempotent across API replicas: a delivery id or a pushed commit (or an approval
policy timer, `policy-timer:<event>/<kind>@<due>`: policy_timers.py) is acted on by whoever inserts its row
first (the read model's `greenlight_hook_claims` table); the primary key is the arbiter, so it holds with any
number of replicas on one database.

Claims older than the retention (`GREENLIGHT_HOOKS_CLAIM_RETENTION`, 30 days) are deleted, from the claim path
(as the stream tickets are: no sweeper task to run), at most once per PRUNE_EVERY among all the replicas: the first
claim of an interval also inserts that interval's marker row (`prune:<start>`, ON CONFLICT DO NOTHING), and only
the transaction whose marker went in deletes. The delete follows the index on `claimed_at` (migration 0006) and
runs in the claim's own transaction: should it fail, the claim is not recorded either and the request answers an
error, as for any claim that failed, so a redelivery may try again. The markers are claims too, pruned with the rest.

A claim on something due later (a policy timer) is stamped with its due time instead, so it is kept a retention
period past that: a timer may be due years ahead, and stamped with the time it was parked, its claim was pruned
while it still waited, and the next start parked a copy of it (policy_rearm.py).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import structlog
from sqlalchemy import delete, insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.shared.db import schema
from services.shared.release import utcnow

claims = schema.greenlight_hook_claims
log = structlog.get_logger(__name__)

# How long a claim must outlive the request that made it: longer than any host redelivers a delivery (GitHub.com
# lists and redelivers the past 3 days' deliveries, GitHub Enterprise Server the past 7; GitLab's Recent events,
# where a request is resent from, show the past 2 days; GitHub never redelivers a failed delivery by itself), and
# than a Slack press's 5-minute signature window. A commit's claim is what keeps a hook from releasing a commit whose
# release failed once again: past the retention a push that makes that commit the branch's head again releases it.
DEFAULT_RETENTION = timedelta(days=30)
MIN_RETENTION = timedelta(days=7)
PRUNE_EVERY = timedelta(hours=1)
_MARKER = "prune:"
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
_MARK = {"sqlite": sqlite.insert(claims).on_conflict_do_nothing(),
         "postgresql": postgresql.insert(claims).on_conflict_do_nothing()}


class Claims:
    def __init__(self, engine: AsyncEngine, retention: timedelta = DEFAULT_RETENTION,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.engine = engine
        self.retention = retention
        self.clock = clock

    async def claim(self, key: str, due: datetime | None = None) -> bool:
        """True for the first claim of `key`, False for every later one. One `due` later than now is stamped
        `due` (its `claimed_at`: no column of its own, no migration), so it is kept a retention period past it."""
        now = self.clock()
        stamp = now if due is None else max(now, due)
        try:
            async with self.engine.begin() as connection:
                await connection.execute(insert(claims).values(key=key[:400], claimed_at=stamp))
                if await self._prune_turn(connection, now):
                    gone = await connection.execute(delete(claims).where(claims.c.claimed_at < now - self.retention))
                    log.info("old hook claims pruned", claims=gone.rowcount, older_than=str(self.retention))
        except IntegrityError:
            return False
        return True

    async def release(self, key: str) -> None:
        """Undo a claim whose action did not happen, so a redelivery may try again."""
        async with self.engine.begin() as connection:
            await connection.execute(delete(claims).where(claims.c.key == key[:400]))

    @staticmethod
    async def _prune_turn(connection: AsyncConnection, now: datetime) -> bool:
        """Whether this transaction prunes: it inserted the marker of the interval `now` falls in. Another
        replica's concurrent insert of the same marker waits for this transaction, then inserts nothing."""
        start = _EPOCH + (now - _EPOCH) // PRUNE_EVERY * PRUNE_EVERY
        marked = await connection.execute(_MARK[connection.dialect.name].values(
            key=f"{_MARKER}{start.isoformat()}", claimed_at=now))
        return marked.rowcount == 1
