"""A subscription changed in place: its secret rotated, paused by an admin, or delivered to again.

`POST /subscriptions/{id}/secret`: a subscription's secret rotated without a gap, as Stripe and Svix do it.

The new secret signs every delivery from the answer on; the one it replaces signs each one too, in a second `v1=` of
the same `Greenlight-Signature` header, until the grace period ends, so a receiver verifying with either (signing.py's
`verify` takes any matching `v1=`) keeps accepting while its secret is changed. One previous secret at a time: a
rotation within another's grace period drops the oldest. Neither secret is ever answered or logged.

`POST /subscriptions/{id}/disable`: an admin pauses one (its receiver down for maintenance) without removing it, so
its secret and the link of its delivery records stay. It is the notifier's own disabling on a 410 Gone (the same state,
`SubscriptionStates.disable`, which settles its pending deliveries with it), so the notifier skips it from the next
event on and `enable` undoes either. Disabling a disabled one changes nothing: its first reason stands.

`POST /subscriptions/{id}/enable`: a subscription disabled (its receiver answered 410 Gone, or an admin paused it) is
delivered to again from the next event, the environment's too: its state is the database's, not the environment's.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

import structlog
from aiohttp import web
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, SecretStr

from services.approval.errors import Conflict, NotFound, Unprocessable
from services.approval.models import Body
from services.approval.routing import Call, reply
from services.approval.subscription_views import ENVIRONMENT, SubscriptionOut, SubscriptionPath, table_of
from services.shared.subscription_states import SubscriptionStates
from services.shared.subscriptions import HeldByEnvironment

log = structlog.get_logger(__name__)
DEFAULT_GRACE = 86_400  # a day, Svix's: long enough to update a receiver's secret, short for a leaked one
MAX_GRACE = 7 * 86_400  # Stripe's longest
REASON_LIMIT = 150  # kept as "disabled by <admin>: <reason>" in a column of 200 characters
_STORED_LIMIT = 200  # greenlight_subscription_states.disabled_reason
_DISABLE_TRIES = 3  # an enable between reading the subscription and disabling it: read it again


def _a_number(value: object) -> object:
    # JSON Schema's integer: 60 and 60.0, not `false` or "60", which pydantic's lax int would take.
    if isinstance(value, bool | str | bytes):
        raise ValueError("a number of seconds is required")
    return value


class SecretRotation(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    secret: SecretStr = Field(min_length=16, description="the new HMAC key; write-only, never shown or delivered")
    grace_seconds: Annotated[int, BeforeValidator(_a_number)] = Field(
        DEFAULT_GRACE, ge=0, le=MAX_GRACE,
        description=f"how long the replaced secret still signs too (a second `v1=`); 0: from now on the new one "
                    f"alone; default {DEFAULT_GRACE} (a day), at most {MAX_GRACE} (7 days)")


async def rotate_secret(call: Call[SubscriptionPath, SecretRotation]) -> web.StreamResponse:
    try:
        call.body.secret.get_secret_value().encode()
    except UnicodeEncodeError:  # as at creation: receivers key their HMAC with the secret's UTF-8 bytes
        raise Unprocessable.of_body_field("secret", "the secret has no UTF-8 form (a lone surrogate escape, such "
                                                    "as \\ud800): no receiver could check a signature") from None
    table = await table_of(call.request)
    grace = timedelta(seconds=call.body.grace_seconds)
    try:
        rotated = await SubscriptionStates(table.engine).rotate(call.params.id, call.body.secret, grace)
    except HeldByEnvironment:
        raise Conflict(f"The subscription {call.params.id} is set in the notifier's {ENVIRONMENT}: rotate its "
                       "secret there.") from None
    except RuntimeError:  # rotated by others over and over meanwhile
        raise Conflict("The subscription's secret was being rotated meanwhile; retry.") from None
    found = next((s for s in await table.all() if s.id == call.params.id), None)
    if not rotated or found is None:
        raise NotFound("There is no subscription with that id.")
    log.info("subscription secret rotated", subscription=found.id, previous_signs_until=found.previous_secret_until)
    return reply(SubscriptionOut.of(found))


def _documented(schema: dict[str, Any]) -> None:
    schema["examples"] = [{"reason": "receiver down for maintenance"}]
    # The body is optional, and the route reads a JSON `null` as none (routing.py): said so, as it is accepted.
    schema["type"] = ["object", "null"]


class DisableRequest(Body):
    model_config = ConfigDict(json_schema_extra=_documented)

    reason: str | None = Field(None, min_length=1, max_length=REASON_LIMIT, description=(
        "why; listed as `disabled_reason`, `disabled by <admin>: <reason>` (at most 200 characters)"))


def _said(admin: str, reason: str | None) -> str:
    said = f"disabled by {admin}" + (f": {reason}" if reason else "")
    # Cut visibly: a long admin name leaves less of the reason.
    return said if len(said) <= _STORED_LIMIT else said[:_STORED_LIMIT - 1] + "\u2026"


async def disable_subscription(call: Call[SubscriptionPath, DisableRequest]) -> web.StreamResponse:
    table = await table_of(call.request)
    states = SubscriptionStates(table.engine)
    held = Conflict(f"The subscription {call.params.id} is set in the notifier's {ENVIRONMENT}: remove it there to "
                    "stop its deliveries.")
    for _ in range(_DISABLE_TRIES):
        if call.params.id in {sid for sid, _, _ in await states.environments()}:
            raise held  # before the 404: an id of the environment alone is not the API's
        found = next((s for s in await table.all() if s.id == call.params.id), None)
        if found is None:
            raise NotFound("There is no subscription with that id.")
        # As of the enable read with it: None only if an admin enabled it since, then read again. The environment
        # asked again in the disabling's transaction: a notifier holding the id may have started since the look above.
        try:
            done = await states.disable(found.id, _said(call.caller.name, call.body.reason), found.enabled_at,
                                        refuse_environment=True)
        except HeldByEnvironment:
            raise held from None
        if done is not None:
            break
    else:
        raise Conflict("The subscription was being enabled meanwhile; retry.")
    now = next((s for s in await table.all() if s.id == call.params.id), None)
    if now is None:  # removed meanwhile
        raise NotFound("There is no subscription with that id.")
    if done:
        log.info("subscription disabled by an admin", subscription=now.id, by=call.caller.name)
    return reply(SubscriptionOut.of(now))


async def enable_subscription(call: Call[SubscriptionPath, None]) -> web.StreamResponse:
    table = await table_of(call.request)
    states = SubscriptionStates(table.engine)
    await states.enable(call.params.id)
    # The environment's first: an API one of the same id is never delivered to (subscription_states.py).
    mine = next((SubscriptionOut.of_environment(*found) for found in await states.environments()
                 if found[0] == call.params.id), None)
    found = mine or next((SubscriptionOut.of(s) for s in await table.all() if s.id == call.params.id), None)
    if found is None:
        raise NotFound("There is no subscription with that id.")
    log.info("subscription enabled", subscription=found.id)
    return reply(found)
