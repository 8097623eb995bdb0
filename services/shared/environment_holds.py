"""Which ids GREENLIGHT_NOTIFIER_SUBSCRIPTIONS holds, as the API sees them.

The API never sees the notifier's environment, so the notifier writes its ids (with each one's public view: the URL
masked) into `greenlight_subscription_states` at start and at each re-binding; the API then refuses such an id
(409), lists it, and will not delete it. Should an id be in both anyway (the API took it before a notifier with it
in its environment started), the environment's is delivered to, the API's never, and the notifier says so.

A write changes an id's view alone, never its state: an admin's pause (or a 410's disabling) outlives every
re-binding and a change of that subscription in the setting (its URL, its secret), until an enable. An id the setting
no longer has is freed with its state, as a DELETE ends an API one's: put back, it is a new subscription.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import structlog
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from services.shared.db.engine import writing
from services.shared.subscription_rows import STATE_FIELDS, state_of, states, subscriptions
from services.shared.subscription_specs import SubscriptionSpec
from services.shared.subscription_urls import masked_url

log = structlog.get_logger(__name__)
_HOLD_TRIES = 3  # replicas starting at once insert the same rows: the one that lost reads them again


def public_view(spec: SubscriptionSpec) -> str:
    """What the API may show of an environment's subscription: never its secret, its URL masked."""
    return json.dumps({"url": masked_url(str(spec.url), spec.format), "apps": list(spec.apps),
                       "states": [s.value for s in spec.states], "format": spec.format})


class EnvironmentHolds:
    engine: AsyncEngine
    _shadowed_said: set[str]  # ids in both places this process has reported

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
        async with writing(self.engine) as connection:  # written after it is read: SQLite's write lock first
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

    async def environments(self) -> list[tuple[str, dict[str, Any], dict[str, object]]]:
        """The environment's subscriptions as the notifier last wrote them: (id, public view, state)."""
        query = select(states).where(states.c.environment.is_not(None)).order_by(states.c.id)
        async with self.engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        return [(row.id, json.loads(row.environment), state_of(row._mapping)) for row in rows]
