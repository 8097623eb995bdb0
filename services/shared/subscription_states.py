"""A subscription's state, for those of the API and of GREENLIGHT_NOTIFIER_SUBSCRIPTIONS alike: disabled once its
receiver answered 410 Gone, the secret a rotation replaced (which signs beside the new one for a grace period), and
which ids the environment holds.

The API never sees the notifier's environment, so the notifier writes its ids (with each one's public view: the URL
masked) into `greenlight_subscription_states` at start and at each re-binding; the API then refuses such an id
(409), lists it, and will not delete it. Should an id be in both anyway (the API took it before a notifier with it
in its environment started), the environment's is delivered to, the API's never, and the notifier says so.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import structlog
from pydantic import SecretStr
from sqlalchemy import Text, and_, cast, insert, null, select, true, union_all, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.shared.db.rows import utc
from services.shared.release import utcnow
from services.shared.subscription_urls import masked_url
from services.shared.subscriptions import (
    DISABLED,
    FOR_NOW,
    STATE_COLUMNS,
    STATE_FIELDS,
    EnvironmentSubscription,
    HeldByEnvironment,
    Subscription,
    SubscriptionSpec,
    from_row,
    held_by_environment,
    secret_stored,
    settle_pending,
    state_of,
    states,
    subscriptions,
    with_states,
)

log = structlog.get_logger(__name__)
_ROTATION_TRIES = 5  # a rotation raced by another one reads the spec again
_HOLD_TRIES = 3  # replicas starting at once insert the same rows: the one that lost reads them again


def public_view(spec: SubscriptionSpec) -> str:
    """What the API may show of an environment's subscription: never its secret, its URL masked."""
    return json.dumps({"url": masked_url(str(spec.url), spec.format), "apps": list(spec.apps),
                       "states": [s.value for s in spec.states], "format": spec.format})


class SubscriptionStates:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._shadowed_said: set[str] = set()  # ids in both places this process has reported

    async def hold_environment(self, environment: Sequence[SubscriptionSpec]) -> None:
        """Mark the environment's ids as held (their views up to date), free those it no longer has; report once an
        id the API has too."""
        for tries_left in reversed(range(_HOLD_TRIES)):
            try:
                return await self._hold(environment)
            except IntegrityError:  # another replica starting wrote the same row meanwhile: read it again
                if not tries_left:
                    raise

    async def _hold(self, environment: Sequence[SubscriptionSpec]) -> None:
        views = {spec.id: public_view(spec) for spec in environment}
        async with self.engine.begin() as connection:
            held = {row.id: row.environment for row in (await connection.execute(select(states))).all()}
            both = (await connection.execute(
                select(subscriptions.c.id).where(subscriptions.c.id.in_(list(views))))).scalars().all()
            for gone in [i for i, view in held.items() if view is not None and i not in views]:
                await connection.execute(states.delete().where(states.c.id == gone))
            for sid, view in views.items():
                if sid not in held:
                    await connection.execute(insert(states).values(id=sid, environment=view))
                elif held[sid] is None and sid in both:  # the API's state (its 410, its rotation): not this one's
                    await connection.execute(update(states).where(states.c.id == sid).values(
                        environment=view, **dict.fromkeys(STATE_FIELDS)))
                elif held[sid] != view:
                    await connection.execute(update(states).where(states.c.id == sid).values(environment=view))
        for sid in set(both) - self._shadowed_said:
            self._shadowed_said.add(sid)
            log.error("a subscription id is set both in GREENLIGHT_NOTIFIER_SUBSCRIPTIONS and through the API: the "
                      "environment's is delivered to, the API's never; delete the API's (DELETE /subscriptions/<id>)",
                      subscription=sid)

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

    async def environments(self) -> list[tuple[str, dict[str, Any], dict[str, object]]]:
        """The environment's subscriptions as the notifier last wrote them: (id, public view, state)."""
        query = select(states).where(states.c.environment.is_not(None)).order_by(states.c.id)
        async with self.engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        return [(row.id, json.loads(row.environment), state_of(row._mapping)) for row in rows]

    async def disable(self, subscription_id: str, reason: str, enabled_at: datetime | None = None, *,
                      sparing: str | None = None, refuse_environment: bool = False) -> bool | None:
        """Disabled for good (its receiver answered 410 Gone), unless enabled since `enabled_at`: the last enable as
        read with the subscription before the request that got the 410 went (None: never enabled). True: this call
        did it, so it is said once; False: disabled already; None: not disabled, an enable since stands (a 410
        answered before an admin's enable and processed after it undid that enable). Its other pending deliveries
        (but `sparing`'s: the event answered 410, which its caller records) are settled with it (`settle_pending`).
        `refuse_environment` (an admin's disabling): HeldByEnvironment if the notifier's environment holds the id, as
        the update itself sees the row, so a notifier starting with that id after the caller looked is not disabled.
        """
        values = {"disabled_at": utcnow(), "disabled_reason": reason[:200]}
        unchanged = states.c.enabled_at.is_(None) if enabled_at is None else states.c.enabled_at == enabled_at
        # In the update's own condition: a look first, then the update, let a holding written in between through.
        apis = states.c.environment.is_(None) if refuse_environment else true()
        for _ in range(2):
            async with self.engine.begin() as connection:
                done = await connection.execute(update(states).where(and_(
                    states.c.id == subscription_id, states.c.disabled_at.is_(None), unchanged, apis)).values(**values))
                if done.rowcount:  # type: ignore[attr-defined]
                    await settle_pending(connection, subscription_id, DISABLED, sparing=sparing)
                    return True
                if await _has_state(connection, subscription_id):
                    found = (await connection.execute(select(
                        states.c.disabled_at, states.c.enabled_at, states.c.environment).where(
                        states.c.id == subscription_id))).one()
                    if refuse_environment and found.environment is not None:
                        raise HeldByEnvironment(subscription_id)
                    if found.disabled_at is not None:
                        return False  # another replica's disabling
                    if (utc(found.enabled_at) if found.enabled_at is not None else None) != enabled_at:
                        return None  # enabled since the request went: that enable stands
                    continue  # a row written since the update began (a rotation's): the update again
            try:
                async with self.engine.begin() as connection:
                    await connection.execute(insert(states).values(id=subscription_id, **values))
                    await settle_pending(connection, subscription_id, DISABLED, sparing=sparing)
            except IntegrityError:
                # A row written meanwhile: another replica's disabling, or a rotation's, which is disabled still
                # (taken for a disabling, the subscription stayed enabled). The update above tells which.
                continue
            return True
        return False

    async def enable(self, subscription_id: str) -> None:
        """Delivered to again from the next event (a receiver that answered 410 and is back); a 410 answered before
        now no longer disables it (`disable`)."""
        async with self.engine.begin() as connection:
            await connection.execute(update(states).where(states.c.id == subscription_id).values(
                disabled_at=None, disabled_reason=None, enabled_at=utcnow()))

    async def rotate(self, subscription_id: str, secret: SecretStr, grace: timedelta) -> bool:
        """The API's subscription signs with `secret` from now on, and with the one it replaces too for `grace`;
        False: no such subscription. Compare-and-set on the stored spec, so two rotations at once keep one."""
        for _ in range(_ROTATION_TRIES):
            try:
                async with self.engine.begin() as connection:
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


def _rotated(spec: SubscriptionSpec) -> dict[str, object]:
    previous = spec.previous_secret if isinstance(spec, EnvironmentSubscription) else None
    return {"previous_secret": previous, "previous_secret_until": FOR_NOW if previous is not None else None}


async def _has_state(connection: AsyncConnection, subscription_id: str) -> bool:
    return (await connection.execute(select(states.c.id).where(states.c.id == subscription_id))).first() is not None

