"""Notification subscriptions: who wants which release events, where, signed with which secret.

Shared by the approval service (the admin API writes them) and the notifier (reads them per event),
so a subscription added through the API takes effect with the next event, on every notifier replica.
An id is either the API's or GREENLIGHT_NOTIFIER_SUBSCRIPTIONS': the notifier holds its environment's ids in the
database (subscription_states.py), and the API refuses one of them (`HeldByEnvironment`).
"""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, SecretStr, StringConstraints, field_validator
from sqlalchemy import Row, Select, and_, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.shared.db import schema
from services.shared.db.rows import utc
from services.shared.events import ReleaseEvent
from services.shared.protocol import WORK_QUEUES, routing_key
from services.shared.protocol import ReleaseState as S
from services.shared.release import AppName, utcnow

NOTIFIED: tuple[S, ...] = WORK_QUEUES["notifier"]  # what the notifier's queue may be bound to
SLACK_STATES = (S.AWAITING_APPROVAL, S.FAILED, S.ROLLED_BACK)  # a Slack message: a person may have to act
SubscriptionId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")]


class SubscriptionSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: SubscriptionId
    url: AnyHttpUrl = Field(description="where deliveries are POSTed (http or https)")
    secret: SecretStr = Field(min_length=16, description="HMAC key; write-only, never shown or delivered")
    apps: tuple[AppName, ...] = Field((), description="apps to notify of; empty: every app")
    states: tuple[S, ...] = Field(
        (), description="states to notify of; empty: every notified state",
        # The document offers exactly the notified states, as the validator below accepts.
        json_schema_extra={"items": {"enum": [s.value for s in NOTIFIED]}},
    )
    format: Literal["cloudevents", "slack"] = Field("cloudevents", description="body of each delivery")

    @field_validator("states")
    @classmethod
    def _notified_only(cls, states: tuple[S, ...]) -> tuple[S, ...]:
        unknown = [s.value for s in states if s not in NOTIFIED]
        if unknown:
            raise ValueError(f"not notified: {', '.join(unknown)}; choose from {', '.join(NOTIFIED)}")
        return states

    def wanted(self) -> tuple[S, ...]:
        states = self.states or NOTIFIED
        return tuple(s for s in states if s in SLACK_STATES) if self.format == "slack" else states

    def matches(self, event: ReleaseEvent) -> bool:
        if self.apps and event.app not in self.apps:
            return False
        return event.state in self.wanted()

    def routing_keys(self) -> list[str]:
        """What the notifier's queue is bound to for this subscription (services/shared/notified.py)."""
        return [routing_key(app, state) for app in self.apps or ("*",) for state in self.wanted()]


class EnvironmentSubscription(SubscriptionSpec):
    """One of GREENLIGHT_NOTIFIER_SUBSCRIPTIONS, which the operator rotates in the environment: the new secret as
    `secret`, the old one as `previous_secret` (both sign) until every receiver has the new one, then without it."""

    previous_secret: SecretStr | None = Field(
        None, min_length=16, description="a replaced secret that still signs beside `secret`; default none")


class Subscription(SubscriptionSpec):
    """A spec with its state (subscription_states.py): where it was set, whether its receiver said it is gone (410),
    the secret a rotation replaced, which signs beside the new one until `previous_secret_until`."""

    source: Literal["api", "environment"] = "api"
    disabled_at: datetime | None = None
    disabled_reason: str | None = None
    previous_secret: SecretStr | None = None
    previous_secret_until: datetime | None = None
    enabled_at: datetime | None = None  # the last enable after a 410: one answered before it disables nothing

    def signing_secrets(self, now: datetime | None = None) -> tuple[str, ...]:
        """The secrets a delivery is signed with now: the current one first."""
        current = self.secret.get_secret_value()
        until, previous = self.previous_secret_until, self.previous_secret
        if previous is None or until is None or until <= (now or utcnow()):
            return (current,)
        return current, previous.get_secret_value()


FOR_NOW = datetime.max.replace(tzinfo=UTC)  # an environment's previous secret signs until it is taken out
subscriptions = schema.greenlight_subscriptions
states = schema.greenlight_subscription_states
STATE_FIELDS = ("disabled_at", "disabled_reason", "previous_secret", "previous_secret_until", "enabled_at")
STATE_COLUMNS = tuple(states.c[name] for name in STATE_FIELDS)
deliveries = schema.greenlight_notifier_deliveries
REMOVED, DISABLED = "subscription removed", "subscription disabled"  # a settled delivery's outcome: no endpoint's


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
            async with self.engine.begin() as connection:
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
        async with self.engine.begin() as connection:
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


def with_states() -> Select[Any]:
    """The API's subscriptions, each row its spec (`spec`) and its state's columns."""
    return select(subscriptions.c.id, subscriptions.c.spec, *STATE_COLUMNS).select_from(
        subscriptions.outerjoin(states, states.c.id == subscriptions.c.id))


def from_row(row: Row[Any]) -> Subscription:
    """A row of `with_states` as a Subscription."""
    # Read back as `add` wrote it (json.dumps) and the API parsed it (json.loads): pydantic's own JSON parser
    # refuses a lone surrogate (`\ud800`) in a secret, and one such row failed every read, every delivery.
    return Subscription.model_validate({**json.loads(row.spec), **state_of(row._mapping)})


def state_of(row: object) -> dict[str, object]:
    """A state row's fields as `Subscription` takes them (none for a subscription without one)."""
    found = dict(row)  # type: ignore[call-overload]
    picked = {key: found.get(key) for key in STATE_FIELDS if found.get(key) is not None}
    if isinstance(previous := picked.get("previous_secret"), str):
        picked["previous_secret"] = secret_read(previous)
    return {key: utc(value) if isinstance(value, datetime) else value for key, value in picked.items()}


def secret_stored(secret: str) -> str:
    """A replaced secret as the state row keeps it: a JSON string, all ASCII, as the spec keeps the current one.
    Kept as given, a secret with a NUL (PostgreSQL's text refuses it) or a lone surrogate (no UTF-8 form; stored
    before the API refused them) could not be rotated: a 500, and its logged traceback held the secret."""
    return json.dumps(secret)


def secret_read(stored: str) -> str:
    """`secret_stored` undone. A row the first rotations wrote as given is read as it is, unless that secret was itself
    a JSON string, quotes included (read unquoted then: a second `v1=` that misses, until that grace ends)."""
    if len(stored) > 1 and stored[0] == stored[-1] == '"':
        with contextlib.suppress(ValueError):
            if isinstance(decoded := json.loads(stored), str):
                return decoded
    return stored


async def settle_pending(connection: AsyncConnection, subscription_id: str, outcome: str, *,
                         sparing: str | None = None) -> int:
    """The subscription's pending deliveries (but `sparing`'s, an event id) recorded failed with `outcome`, no attempt
    counted; how many. Left pending, one parked behind its receiver's Retry-After showed in flight for up to
    GREENLIGHT_NOTIFIER_RETRY_AFTER_CAP (an hour) after its subscription was removed or disabled; its retry, back,
    finds it settled and is dropped (services/notifier/consumer.py). Only a pending one: settling again changes
    nothing, and a delivery that ended meanwhile keeps its own outcome."""
    # The statuses of services/notifier/records.py's Status, which the notifier's records are written with.
    where = [deliveries.c.subscription_id == subscription_id, deliveries.c.status == "pending"]
    if sparing is not None:
        where.append(deliveries.c.event_id != sparing)
    done = await connection.execute(update(deliveries).where(and_(*where)).values(
        status="failed", last_error=outcome, updated_at=utcnow()))
    return int(done.rowcount)  # type: ignore[attr-defined]


async def held_by_environment(connection: AsyncConnection, subscription_id: str) -> bool:
    query = select(states.c.id).where(and_(states.c.id == subscription_id, states.c.environment.is_not(None)))
    return (await connection.execute(query)).first() is not None
