"""A subscription's state, for those of the API and of GREENLIGHT_NOTIFIER_SUBSCRIPTIONS alike: disabled once its
receiver answered 410 Gone or an admin paused it (subscription_pauses.py), the secret a rotation replaced, which signs
beside the new one for a grace period (secret_rotations.py), and which ids the environment holds
(environment_holds.py); and every subscription with its state, as the notifier delivers to them (`current`).

`SubscriptionStates` does all of these on one engine; its jobs' modules hold the how.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Text, cast, null, select, union_all
from sqlalchemy.ext.asyncio import AsyncEngine

from services.shared.environment_holds import EnvironmentHolds, public_view
from services.shared.secret_rotations import SecretRotations
from services.shared.subscription_pauses import NoLongerHeld, SubscriptionPauses
from services.shared.subscription_rows import (
    FOR_NOW,
    STATE_COLUMNS,
    from_row,
    state_of,
    states,
    subscriptions,
    with_states,
)
from services.shared.subscription_specs import EnvironmentSubscription, Subscription, SubscriptionSpec

__all__ = ["NoLongerHeld", "SubscriptionStates", "public_view"]


class SubscriptionStates(EnvironmentHolds, SubscriptionPauses, SecretRotations):
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._shadowed_said: set[str] = set()  # ids in both places this process has reported

    async def current(self, environment: Sequence[SubscriptionSpec]) -> list[Subscription]:
        """Every subscription with its state: the environment's, then the API's whose id the environment lacks."""
        ids = [spec.id for spec in environment]
        # One statement, so one connection and one snapshot per event: read as two (the environment's states, then
        # the API's table), each event took two connections, and a change committed between them was half seen.
        theirs = with_states().where(subscriptions.c.id.not_in(ids))
        ours = select(states.c.id, cast(null(), Text).label("spec"), *STATE_COLUMNS).where(states.c.id.in_(ids))
        async with self.engine.connect() as connection:
            rows = (await connection.execute(union_all(ours, theirs).order_by("id"))).all()
        found = {row.id: row._mapping for row in rows if row.spec is None}
        mine = [Subscription.model_validate({**dict(spec), "source": "environment", **_rotated(spec),
                                             **state_of(found.get(spec.id, {}))}) for spec in environment]
        return [*mine, *(from_row(row) for row in rows if row.spec is not None)]


def _rotated(spec: SubscriptionSpec) -> dict[str, object]:
    previous = spec.previous_secret if isinstance(spec, EnvironmentSubscription) else None
    return {"previous_secret": previous, "previous_secret_until": FOR_NOW if previous is not None else None}
