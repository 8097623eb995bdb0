"""A subscription changed in place: its secret rotated, paused by an admin, or delivered to again.

`POST /subscriptions/{id}/secret`: a subscription's secret rotated without a gap, as Stripe and Svix do it.

The new secret signs every delivery from the answer on; the one it replaces signs each one too, in a second `v1=` of
the same `Greenlight-Signature` header, until the grace period ends, so a receiver verifying with either (signing.py's
`verify` takes any matching `v1=`) keeps accepting while its secret is changed. One previous secret at a time: a
rotation within another's grace period drops the oldest. Neither secret is ever answered or logged.

`POST /subscriptions/{id}/disable` and `.../enable`: paused by an admin and delivered to again
(subscription_pause_routes.py, whose names are importable from here too).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import structlog
from aiohttp import web
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, SecretStr

from services.approval.errors import Conflict, NotFound, Unprocessable
from services.approval.routing import Call, reply
from services.approval.subscription_pause_routes import (
    PAUSE_DESCRIPTION,
    REASON_LIMIT,
    DisableRequest,
    disable_subscription,
    enable_subscription,
)
from services.approval.subscription_views import ENVIRONMENT, SubscriptionOut, SubscriptionPath, table_of
from services.shared.subscription_states import SubscriptionStates
from services.shared.subscriptions import HeldByEnvironment

__all__ = ["PAUSE_DESCRIPTION", "REASON_LIMIT", "DisableRequest", "SecretRotation", "disable_subscription",
           "enable_subscription", "rotate_secret"]
log = structlog.get_logger(__name__)
DEFAULT_GRACE = 86_400  # a day, Svix's: long enough to update a receiver's secret, short for a leaked one
MAX_GRACE = 7 * 86_400  # Stripe's longest


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
