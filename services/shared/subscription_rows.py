"""The subscription tables as both services read them: a subscription's row with its state's, a replaced secret as
stored, and a removed or disabled subscription's pending deliveries settled."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime
from typing import Any

from pydantic import AnyHttpUrl, SecretStr
from sqlalchemy import Row, Select, and_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from services.shared.db import schema
from services.shared.db.rows import utc
from services.shared.protocol import ReleaseState
from services.shared.release import utcnow
from services.shared.subscription_specs import Subscription, SubscriptionSpec

FOR_NOW = datetime.max.replace(tzinfo=UTC)  # an environment's previous secret signs until it is taken out
subscriptions = schema.greenlight_subscriptions
states = schema.greenlight_subscription_states
STATE_FIELDS = ("disabled_at", "disabled_reason", "previous_secret", "previous_secret_until", "enabled_at")
STATE_COLUMNS = tuple(states.c[name] for name in STATE_FIELDS)
deliveries = schema.greenlight_notifier_deliveries
_UNSHOWN = "https://environment.invalid/"  # the URL of an environment's subscription rebuilt for its keys alone
REMOVED, DISABLED = "subscription removed", "subscription disabled"  # a settled delivery's outcome: no endpoint's


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


async def environment_keys(connection: AsyncConnection, subscription_id: str) -> frozenset[str] | None:
    """The routing keys the environment's subscription of that id is bound to, as its notifier last wrote it (its
    public view); None for an id the environment does not hold."""
    query = select(states.c.environment).where(and_(states.c.id == subscription_id, states.c.environment.is_not(None)))
    if (view := (await connection.execute(query)).scalar()) is None:
        return None
    found = json.loads(view)
    # A state a newer Greenlight notifies is no key a row of this one can want: left out (none left: every state's
    # kept). Built without validation, its URL and secret none of the view's: only its keys are wanted of it.
    known = tuple(ReleaseState(s) for s in found.get("states", ()) if s in {state.value for state in ReleaseState})
    spec = SubscriptionSpec.model_construct(
        id=subscription_id, url=AnyHttpUrl(_UNSHOWN), secret=SecretStr(""), apps=tuple(found.get("apps", ())),
        states=known, format=found.get("format", "cloudevents"))
    return frozenset(spec.routing_keys())
