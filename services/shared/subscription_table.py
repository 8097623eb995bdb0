"""The API's subscriptions (`greenlight_subscriptions`): added, removed with their state and pending deliveries, listed
with their state. An id the notifier's environment holds is not the API's to take (`HeldByEnvironment`)."""

from __future__ import annotations

import json

from sqlalchemy import and_, delete, insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from services.shared.db.engine import writing
from services.shared.subscription_rows import (
    REMOVED,
    from_row,
    held_by_environment,
    settle_pending,
    states,
    subscriptions,
    with_states,
)
from services.shared.subscription_specs import Subscription, SubscriptionSpec


class SubscriptionExists(ValueError):
    pass


class HeldByEnvironment(SubscriptionExists):
    """The id is one of GREENLIGHT_NOTIFIER_SUBSCRIPTIONS': the API may not take it, nor remove it."""


class SubscriptionTable:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def add(self, spec: SubscriptionSpec) -> None:
        raw = {**spec.model_dump(mode="json"), "secret": spec.secret.get_secret_value()}
        try:
            async with writing(self.engine) as connection:  # read, then written: SQLite's write lock first
                if await held_by_environment(connection, spec.id):
                    raise HeldByEnvironment(spec.id)
                # A state left by one of this id removed before (a disabling that raced its removal) is not this one's.
                await connection.execute(delete(states).where(and_(states.c.id == spec.id,
                                                                   states.c.environment.is_(None))))
                await connection.execute(insert(subscriptions).values(id=spec.id, spec=json.dumps(raw)))
        except IntegrityError:
            raise SubscriptionExists(spec.id) from None

    async def remove(self, subscription_id: str) -> bool:
        """The API's subscription of that id, its state (a state the environment's holds is its own), and its pending
        deliveries settled (`settle_pending`), all at once."""
        async with writing(self.engine) as connection:  # read, then written: SQLite's write lock first
            result = await connection.execute(delete(subscriptions).where(subscriptions.c.id == subscription_id))
            await connection.execute(delete(states).where(and_(states.c.id == subscription_id,
                                                               states.c.environment.is_(None))))
            removed = bool(result.rowcount)  # type: ignore[attr-defined]
            # One the environment shadows was never delivered to: the records of that id are the environment's.
            if removed and not await held_by_environment(connection, subscription_id):
                await settle_pending(connection, subscription_id, REMOVED)
        return removed

    async def all(self) -> list[Subscription]:
        """The API's subscriptions, each with its state."""
        async with self.engine.connect() as connection:
            rows = (await connection.execute(with_states().order_by(subscriptions.c.id))).all()
        return [from_row(row) for row in rows]
