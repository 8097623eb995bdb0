"""`POST /subscriptions/{id}/disable` and `POST /subscriptions/{id}/enable`: a subscription paused by an admin (its
receiver down for maintenance) and delivered to again; the API's and the notifier's GREENLIGHT_NOTIFIER_SUBSCRIPTIONS'
alike, without a redeploy.

A pause keeps the subscription's secret and the link of its delivery records. It is the notifier's own disabling on
a 410 Gone (the same state, `SubscriptionStates.disable`, which settles its pending deliveries with it), so the
notifier skips it from the next event on and `enable` undoes either. Disabling a disabled one changes nothing: its
first reason stands. What keeps an environment's paused is said in `PAUSE_DESCRIPTION`, the route's documentation.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import structlog
from aiohttp import web
from pydantic import ConfigDict, Field

from services.approval.errors import Conflict, NotFound
from services.approval.models import Body
from services.approval.routing import Call, reply
from services.approval.subscription_views import ENVIRONMENT, SubscriptionOut, SubscriptionPath, table_of
from services.shared.subscription_states import NoLongerHeld, SubscriptionStates
from services.shared.subscriptions import HeldByEnvironment, SubscriptionTable

log = structlog.get_logger(__name__)
REASON_LIMIT = 150  # kept as "disabled by <admin>: <reason>" in a column of 200 characters
_STORED_LIMIT = 200  # greenlight_subscription_states.disabled_reason
_DISABLE_TRIES = 3  # an enable between reading the subscription and disabling it: read it again
PAUSE_DESCRIPTION = (
    "Nothing is sent to the subscription from the next event on, until `POST /subscriptions/{id}/enable`; its "
    "pending deliveries are settled now (`failed`, `subscription disabled`); its secret and delivery records are "
    "kept. Disabling a disabled one answers it as it is (its first reason stands).\n\n"
    f"One of the notifier's {ENVIRONMENT} (`source` environment) is paused the same way, without a redeploy. Its "
    "pause is kept in the database, not in the setting: the notifier writing its setting again (every "
    "GREENLIGHT_NOTIFIER_REBIND_INTERVAL, on every replica) and a change of that subscription there under the same "
    "id (a new URL or secret, a rolling update or its rollback) leave it paused; only enable resumes it, so a "
    "redeploy never resumes deliveries to a receiver an admin paused. Taken out of the setting, the subscription "
    "ends with its pause, as a DELETE ends an API one's; put back, it is a new subscription, delivered to.\n\n"
    f"409: the id was taken into or out of the notifier's {ENVIRONMENT} while the request ran (nothing was "
    "disabled), or the subscription was being enabled meanwhile.")


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
    sid = call.params.id
    for _ in range(_DISABLE_TRIES):
        # The environment's first: an API one of the same id is never delivered to (subscription_states.py).
        mine = next((state for found, _, state in await states.environments() if found == sid), None)
        theirs = None if mine is not None else next((s for s in await table.all() if s.id == sid), None)
        if mine is None and theirs is None:
            raise NotFound("There is no subscription with that id.")
        # As of the enable read with it: None only if an admin enabled it since, then read again. Whose it is asked
        # again in the disabling's transaction: a notifier may have taken or freed the id since the look above.
        enabled_at = theirs.enabled_at if theirs is not None else _enabled_at(mine)
        try:
            done = await states.disable(sid, _said(call.caller.name, call.body.reason), enabled_at,
                                        held=mine is not None)
        except HeldByEnvironment:
            raise Conflict(f"The subscription {sid} was taken by the notifier's {ENVIRONMENT} meanwhile, which is "
                           "delivered to instead; nothing was disabled: disable it again to pause that one.") from None
        except NoLongerHeld:
            raise Conflict(f"The subscription {sid} was taken out of the notifier's {ENVIRONMENT} meanwhile; nothing "
                           "was disabled.") from None
        if done is not None:
            break
    else:
        raise Conflict("The subscription was being enabled meanwhile; retry.")
    now = await _shown(states, table, sid)
    if now is None:  # removed meanwhile
        raise NotFound("There is no subscription with that id.")
    if done:
        log.info("subscription disabled by an admin", subscription=sid, source=now.source, by=call.caller.name)
    return reply(now)


async def enable_subscription(call: Call[SubscriptionPath, None]) -> web.StreamResponse:
    table = await table_of(call.request)
    states = SubscriptionStates(table.engine)
    await states.enable(call.params.id)
    found = await _shown(states, table, call.params.id)
    if found is None:
        raise NotFound("There is no subscription with that id.")
    log.info("subscription enabled", subscription=found.id, source=found.source)
    return reply(found)


async def _shown(states: SubscriptionStates, table: SubscriptionTable, sid: str) -> SubscriptionOut | None:
    # The environment's first: an API one of the same id is never delivered to (subscription_states.py).
    mine = next((SubscriptionOut.of_environment(*found) for found in await states.environments() if found[0] == sid),
                None)
    return mine or next((SubscriptionOut.of(s) for s in await table.all() if s.id == sid), None)


def _enabled_at(state: dict[str, object] | None) -> datetime | None:
    when = (state or {}).get("enabled_at")
    return when if isinstance(when, datetime) else None
