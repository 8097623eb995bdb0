"""An API subscription's secret rotated without a gap: the replaced one still signs beside it for a grace period
(services/approval/subscription_changes.py). The environment's are rotated in the setting (`previous_secret`)."""

from __future__ import annotations

import json
from datetime import timedelta

from pydantic import SecretStr
from sqlalchemy import and_, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from services.shared.db.engine import writing
from services.shared.release import utcnow
from services.shared.subscription_rows import held_by_environment, secret_stored, states, subscriptions
from services.shared.subscription_table import HeldByEnvironment

_ROTATION_TRIES = 5  # a rotation raced by another one reads the spec again


class SecretRotations:
    engine: AsyncEngine

    async def rotate(self, subscription_id: str, secret: SecretStr, grace: timedelta) -> bool:
        """The API's subscription signs with `secret` from now on, and with the one it replaces too for `grace`;
        False: no such subscription. Compare-and-set on the stored spec, so two rotations at once keep one."""
        for _ in range(_ROTATION_TRIES):
            try:
                async with writing(self.engine) as connection:  # read, then written: SQLite's write lock first
                    if await held_by_environment(connection, subscription_id):
                        raise HeldByEnvironment(subscription_id)
                    stored = (await connection.execute(select(subscriptions.c.spec).where(
                        subscriptions.c.id == subscription_id))).scalar_one_or_none()
                    if stored is None:
                        return False
                    raw = json.loads(stored)
                    replaced, raw["secret"] = raw["secret"], secret.get_secret_value()
                    swapped = await connection.execute(update(subscriptions).where(and_(
                        subscriptions.c.id == subscription_id, subscriptions.c.spec == stored)).values(
                        spec=json.dumps(raw)))
                    if not swapped.rowcount:  # type: ignore[attr-defined]
                        continue  # rotated meanwhile: read it again
                    previous = {"previous_secret": secret_stored(replaced) if grace > timedelta(0) else None,
                                "previous_secret_until": utcnow() + grace if grace > timedelta(0) else None}
                    if not (await connection.execute(update(states).where(
                            states.c.id == subscription_id).values(**previous))).rowcount:  # type: ignore[attr-defined]
                        await connection.execute(insert(states).values(id=subscription_id, **previous))
                    return True
            except IntegrityError:
                continue  # a state row written meanwhile (a disabling): again, updating it
        raise RuntimeError(f"subscription {subscription_id}: rotated by others {_ROTATION_TRIES} times meanwhile")
