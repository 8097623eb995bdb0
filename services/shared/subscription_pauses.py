"""A subscription disabled and enabled again, the API's and the environment's alike: by the notifier when its receiver
answers 410 Gone, by an admin who pauses one (its receiver down for maintenance). Its state row is the database's,
not the setting's: the notifier's writes of its environment leave it alone (environment_holds.py)."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import and_, insert, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.shared.db.engine import writing
from services.shared.db.rows import utc
from services.shared.release import utcnow
from services.shared.subscription_rows import DISABLED, settle_pending, states, subscriptions
from services.shared.subscription_table import HeldByEnvironment


class NoLongerHeld(LookupError):
    """The environment's subscription of that id is gone: taken out of GREENLIGHT_NOTIFIER_SUBSCRIPTIONS."""


class SubscriptionPauses:
    engine: AsyncEngine

    async def disable(self, subscription_id: str, reason: str, enabled_at: datetime | None = None, *,
                      sparing: str | None = None, held: bool | None = None, url: str | None = None) -> bool | None:
        """Disabled for good (its receiver answered 410 Gone, or an admin paused it), unless enabled since
        `enabled_at`: the last enable as read with the subscription before the request that got the 410 went (None:
        never enabled). True: this call did it, so it is said once; False: disabled already; None: not disabled, an
        enable since stands (a 410 answered before an admin's enable and processed after it undid that enable). Its
        other pending deliveries (but `sparing`'s: the event answered 410, which its caller records) are settled with
        it (`settle_pending`).
        `held` (an admin's disabling, of the one they were shown): True, the environment's: NoLongerHeld if the
        environment no longer holds the id; False, the API's: HeldByEnvironment if the environment holds it now. As
        the update itself sees the row: an id taken or freed by a notifier after the caller looked is left alone.
        `url` (a 410's: where it was sent): None too when the API's subscription of that id now sends elsewhere, a new
        one added under the id after the attempt went (the way to change a subscription is to delete and add it).
        """
        values = {"disabled_at": utcnow(), "disabled_reason": reason[:200]}
        unchanged = states.c.enabled_at.is_(None) if enabled_at is None else states.c.enabled_at == enabled_at
        # In the update's own condition: a look first, then the update, let a holding written in between through.
        whose = true() if held is None else (
            states.c.environment.is_not(None) if held else states.c.environment.is_(None))
        for _ in range(2):
            async with writing(self.engine) as connection:  # read, then written: SQLite's write lock first
                if url is not None and await _sends_elsewhere(connection, subscription_id, url):
                    return None
                done = await connection.execute(update(states).where(and_(
                    states.c.id == subscription_id, states.c.disabled_at.is_(None), unchanged, whose)).values(**values))
                if done.rowcount:  # type: ignore[attr-defined]
                    await settle_pending(connection, subscription_id, DISABLED, sparing=sparing)
                    return True
                if await _has_state(connection, subscription_id):
                    found = (await connection.execute(select(
                        states.c.disabled_at, states.c.enabled_at, states.c.environment).where(
                        states.c.id == subscription_id))).one()
                    if held is False and found.environment is not None:
                        raise HeldByEnvironment(subscription_id)
                    if held and found.environment is None:
                        raise NoLongerHeld(subscription_id)
                    if found.disabled_at is not None:
                        return False  # another replica's disabling
                    if (utc(found.enabled_at) if found.enabled_at is not None else None) != enabled_at:
                        return None  # enabled since the request went: that enable stands
                    continue  # a row written since the update began (a rotation's): the update again
                if held:  # the environment's always has its row while held
                    raise NoLongerHeld(subscription_id)
            try:
                async with writing(self.engine) as connection:  # read, then written: SQLite's write lock first
                    if url is not None and await _sends_elsewhere(connection, subscription_id, url):
                        return None
                    await connection.execute(insert(states).values(id=subscription_id, **values))
                    await settle_pending(connection, subscription_id, DISABLED, sparing=sparing)
            except IntegrityError:
                # A row written meanwhile: another replica's disabling, or a rotation's, which is disabled still
                # (taken for a disabling, the subscription stayed enabled). The update above tells which.
                continue
            return True
        return False

    async def enable(self, subscription_id: str) -> None:
        """Delivered to again from the next event (a receiver that answered 410 and is back, or one an admin paused);
        a 410 answered before now no longer disables it (`disable`)."""
        async with writing(self.engine) as connection:  # read, then written: SQLite's write lock first
            await connection.execute(update(states).where(states.c.id == subscription_id).values(
                disabled_at=None, disabled_reason=None, enabled_at=utcnow()))


async def _has_state(connection: AsyncConnection, subscription_id: str) -> bool:
    return (await connection.execute(select(states.c.id).where(states.c.id == subscription_id))).first() is not None


async def _sends_elsewhere(connection: AsyncConnection, subscription_id: str, url: str) -> bool:
    """Whether the API's subscription of that id now sends somewhere other than `url`."""
    spec = (await connection.execute(select(subscriptions.c.spec).where(
        subscriptions.c.id == subscription_id))).scalar()
    return spec is not None and json.loads(spec).get("url") != url
