"""Admin API for notification subscriptions; the notifier reads them from the same table per event.

Secrets are write-only: accepted on create (and rotation, subscription_changes.py), never answered; nor is a
credential in the URL (`masked_url`). Subscriptions configured in the notifier's own settings
(GREENLIGHT_NOTIFIER_SUBSCRIPTIONS) are listed as the notifier last wrote them (`source` environment, URL masked);
their ids are refused here (409), and they are not removed here (409): the environment is the operator's. An admin
pauses and resumes them as the API's (subscription_pause_routes.py): that state is the database's.
A URL at a literal non-public address or a `localhost` name is refused (422) unless the operator allows its host
(GREENLIGHT_NOTIFIER_ALLOW_PRIVATE_HOSTS, services/shared/subscriber_hosts.py): the early, friendly answer; the
notifier checks every address it connects to all the same (services/notifier/guard.py).
The broker's bind (POST) and unbind (DELETE) are waited for GREENLIGHT_API_SUBSCRIPTION_BIND_TIMEOUT at most
(subscription_bindings.py): past it a new subscription is not added (503), a removed one is removed all the same.
"""

from __future__ import annotations

import math

import structlog
from aiohttp import web

from services.approval.errors import ApiError, Conflict, NotFound, Unprocessable
from services.approval.routing import Call, reply
from services.approval.sql import SQL
from services.approval.subscription_answers import ENVIRONMENT, SubscriptionList, SubscriptionOut, SubscriptionPath
from services.approval.subscription_bindings import BINDINGS
from services.shared.subscriber_hosts import PrivateHosts
from services.shared.subscription_states import SubscriptionStates
from services.shared.subscriptions import (
    SLACK_STATES,
    HeldByEnvironment,
    SubscriptionExists,
    SubscriptionSpec,
    SubscriptionTable,
)

# The answers are subscription_answers.py's, still imported from here.
__all__ = ["ENVIRONMENT", "SubscriptionList", "SubscriptionOut", "SubscriptionPath"]

log = structlog.get_logger(__name__)
# The hosts the operator allows although not public: the API's own copy of the notifier's setting, read at start.
SUBSCRIBER_HOSTS = web.AppKey("subscriber_hosts", PrivateHosts)


async def table_of(request: web.Request) -> SubscriptionTable:
    return SubscriptionTable(await request.app[SQL].get())


async def list_subscriptions(call: Call[None, None]) -> web.StreamResponse:
    table = await table_of(call.request)
    mine = await SubscriptionStates(table.engine).environments()
    items = [SubscriptionOut.of_environment(*found) for found in mine]
    # One the environment shadows is listed too (the notifier logs it): an admin can see it, and delete it.
    items += [SubscriptionOut.of(s) for s in await table.all()]
    return reply(SubscriptionList(items=sorted(items, key=lambda s: (s.id, s.source != "environment"))))


def _check_host(request: web.Request, spec: SubscriptionSpec) -> None:
    if (reason := request.app[SUBSCRIBER_HOSTS].refusal(str(spec.url))) is not None:
        raise Unprocessable.of_body_field("url", reason)


def _check_delivers(spec: SubscriptionSpec) -> None:
    # At creation only, not in the spec's own validation: a stored one from before must still load.
    try:
        spec.secret.get_secret_value().encode()
    except UnicodeEncodeError:  # a lone surrogate: receivers key their HMAC with the secret's UTF-8 bytes
        raise Unprocessable.of_body_field("secret", "the secret has no UTF-8 form (a lone surrogate escape, such "
                                                    "as \\ud800): no receiver could check a signature") from None
    if spec.states and not spec.wanted():
        raise Unprocessable.of_body_field("states", (
            f"a slack subscription posts only {', '.join(SLACK_STATES)} (a person may have to act); "
            f"{', '.join(spec.states)} would never be delivered"))


async def create_subscription(call: Call[None, SubscriptionSpec]) -> web.StreamResponse:
    _check_host(call.request, call.body)
    _check_delivers(call.body)
    table = await table_of(call.request)
    try:
        await table.add(call.body)
    except HeldByEnvironment:
        raise Conflict(f"A subscription {call.body.id} is set in the notifier's {ENVIRONMENT}; choose another "
                       "id.") from None
    except SubscriptionExists:
        raise Conflict(f"A subscription {call.body.id} exists; delete it first to change it.") from None
    bindings = call.request.app[BINDINGS]
    try:
        # Bound before the answer, so it counts from the next event (services/shared/notified.py).
        late = await bindings.bind(call.body)
    except Exception as exc:
        await table.remove(call.body.id)
        log.warning("could not bind a new subscription; not added", subscription=call.body.id, error=repr(exc)[:200])
        raise ApiError("The event bus did not take the subscription; retry.", status=503,
                       headers={"Retry-After": "5"}) from None
    if late is not None:  # not listed while its events may not be routed; a binding made later is taken away
        try:
            await table.remove(call.body.id)
        finally:
            bindings.settle(late, call.body)
        log.warning("the event bus did not answer a new subscription's binding in time; not added",
                    subscription=call.body.id, timeout=bindings.bound)
        raise ApiError(f"The event bus did not answer within {bindings.bound:g} s: the subscription was not added "
                       "(a binding the broker makes later is taken away again); retry.", status=503,
                       headers={"Retry-After": str(max(1, math.ceil(bindings.bound)))})
    return reply(SubscriptionOut.of(call.body), 201)


async def delete_subscription(call: Call[SubscriptionPath, None]) -> web.StreamResponse:
    table = await table_of(call.request)
    found = next((s for s in await table.all() if s.id == call.params.id), None)
    held = call.params.id in {sid for sid, _, _ in await SubscriptionStates(table.engine).environments()}
    if found is None and held:
        raise Conflict(f"The subscription {call.params.id} is set in the notifier's {ENVIRONMENT}, not through this "
                       "API: remove it there.")
    # Its pending deliveries are settled with it (`remove`): none shows in flight for its receiver's Retry-After.
    if found is None or not await table.remove(call.params.id):
        raise NotFound("There is no subscription with that id.")
    # A shadowed row (`held`) shares its id with the environment's subscription: the unbinding takes only the keys the
    # environment's does not want (subscription_bindings.py).
    bindings = call.request.app[BINDINGS]
    try:
        late = await bindings.unbind(found)
    except Exception as exc:  # removed all the same: its events are queued until then, and dropped
        log.warning("could not unbind a removed subscription", subscription=found.id, error=repr(exc)[:200])
    else:
        if late is not None:  # removed all the same; unbound once the broker answers
            bindings.settle(late, found)
            log.warning("the event bus did not answer a removed subscription's unbinding in time; removed all the "
                        "same", subscription=found.id, timeout=bindings.bound)
    return reply(SubscriptionOut.of(found))
