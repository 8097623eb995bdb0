"""Admin API for notification subscriptions; the notifier reads them from the same table per event.

Secrets are write-only: accepted on create, never answered; nor is a credential in the URL (`masked_url`).
Subscriptions configured in the notifier's own settings (GREENLIGHT_NOTIFIER_SUBSCRIPTIONS) are not listed here.
A URL at a literal non-public address or a `localhost` name is refused (422) unless the operator allows its host
(GREENLIGHT_NOTIFIER_ALLOW_PRIVATE_HOSTS, services/shared/subscriber_hosts.py): the early, friendly answer; the
notifier checks every address it connects to all the same (services/notifier/guard.py).
"""

from __future__ import annotations

import re
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

import structlog
from aiohttp import web
from pydantic import AnyHttpUrl, BaseModel, Field

from services.approval.errors import ApiError, Conflict, NotFound, Unprocessable
from services.approval.models import Params
from services.approval.routing import Call, reply
from services.approval.sql import SQL
from services.shared.notified import bind_subscriptions, unbind_subscription
from services.shared.protocol import ReleaseState
from services.shared.redact import MASK, redact_url
from services.shared.release import AppName
from services.shared.runtime import BUS
from services.shared.subscriber_hosts import PrivateHosts
from services.shared.subscriptions import (
    SLACK_STATES,
    SubscriptionExists,
    SubscriptionId,
    SubscriptionSpec,
    SubscriptionTable,
)

log = structlog.get_logger(__name__)
# The hosts the operator allows although not public: the API's own copy of the notifier's setting, read at start.
SUBSCRIBER_HOSTS = web.AppKey("subscriber_hosts", PrivateHosts)


class SubscriptionPath(Params):
    id: SubscriptionId = Field(description="subscription id")


class SubscriptionOut(BaseModel):
    id: str
    url: AnyHttpUrl = Field(description=(
        "where deliveries are POSTed, masked (`***`), as a URL may itself be the credential: its userinfo, "
        "every path segment that is not a plain word (lower-case letters and dashes, at most 24: Discord's "
        "`/api/webhooks/***/***`, Mattermost's `/hooks/***`), query values and fragment; for a `slack` "
        "subscription (or a Slack host) the whole path, an incoming webhook's token. Scheme, host, port, the "
        "path's plain words and query keys are shown as given: a secret chosen as a plain word is not masked"))
    apps: tuple[AppName, ...]
    states: tuple[ReleaseState, ...]
    format: Literal["cloudevents", "slack"]

    @classmethod
    def of(cls, spec: SubscriptionSpec) -> SubscriptionOut:
        return cls(id=spec.id, url=AnyHttpUrl(masked_url(str(spec.url), spec.format)), apps=spec.apps,
                   states=spec.states, format=spec.format)


def masked_url(url: str, fmt: str) -> str:
    """A subscription's URL as it may be answered: scheme://host:port kept, every credential masked. Slack's
    incoming webhook's path is its token (`/services/T…/B…/<token>`), so a `slack` one (or any on a slack.com host)
    shows only scheme://host/***; any other has its userinfo (redact_url), each path segment that is not a plain
    word (`_masked_path`), its query values and its fragment masked."""
    parts = urlsplit(url)
    netloc = urlsplit(redact_url(f"{parts.scheme}://{parts.netloc}/")).netloc
    host = (parts.hostname or "").lower()
    if fmt == "slack" or host == "slack.com" or host.endswith(".slack.com"):
        return urlunsplit((parts.scheme, netloc, f"/{MASK}", "", ""))
    # Every query value, not only credential-like keys: a receiver's key goes by any name (Azure's `?code=`),
    # or by none (`?<key>`: a part without `=` is masked whole).
    query = "&".join(f"{p.partition('=')[0]}={MASK}" if "=" in p else MASK for p in parts.query.split("&") if p)
    return urlunsplit((parts.scheme, netloc, _masked_path(parts.path), query, MASK if parts.fragment else ""))


# A receiver's route is made of words (`/api/webhooks`, `/hooks`, `/triggers/manual/paths/invoke`); its
# credential is the segment that is not one: an id, a key, a UUID (Discord `/api/webhooks/<id>/<token>`, Mattermost
# `/hooks/<key>`, Rocket.Chat `/hooks/<id>/<token>`, a Teams workflow `/workflows/<id>/...`). Lower-case letters and
# dashes only, at most 24 of them: a random token of 20 letters and digits is all lower-case letters once in some
# 30 million, and Mattermost's key (26) is too long to be one. Masking the whole path instead would hide a receiver's
# route too, which is what tells a person two subscriptions on one host apart, for no token this rule shows; a
# secret chosen as a plain word (`/hooks/letmein`) is shown, as the API's description says.
_PLAIN_WORD = re.compile(r"[a-z][a-z-]{0,23}")


def _masked_path(path: str) -> str:
    return "/".join(s if s == "" or _PLAIN_WORD.fullmatch(s) else MASK for s in path.split("/"))


class SubscriptionList(BaseModel):
    items: list[SubscriptionOut]


async def _table(request: web.Request) -> SubscriptionTable:
    return SubscriptionTable(await request.app[SQL].get())


async def list_subscriptions(call: Call[None, None]) -> web.StreamResponse:
    specs = await (await _table(call.request)).all()
    return reply(SubscriptionList(items=[SubscriptionOut.of(s) for s in specs]))


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
    table = await _table(call.request)
    try:
        await table.add(call.body)
    except SubscriptionExists:
        raise Conflict(f"A subscription {call.body.id} exists; delete it first to change it.") from None
    bus = call.request.app[BUS]
    try:
        # Bound before the answer, so it counts from the next event (services/shared/notified.py).
        await bind_subscriptions(bus.connection, bus.settings, [call.body])
    except Exception as exc:
        await table.remove(call.body.id)
        log.warning("could not bind a new subscription; not added", subscription=call.body.id, error=repr(exc)[:200])
        raise ApiError("The event bus did not take the subscription; retry.", status=503,
                       headers={"Retry-After": "5"}) from None
    return reply(SubscriptionOut.of(call.body), 201)


async def delete_subscription(call: Call[SubscriptionPath, None]) -> web.StreamResponse:
    table = await _table(call.request)
    found = next((s for s in await table.all() if s.id == call.params.id), None)
    if found is None or not await table.remove(call.params.id):
        raise NotFound("There is no subscription with that id.")
    bus = call.request.app[BUS]
    try:
        await unbind_subscription(bus.connection, bus.settings, found)
    except Exception as exc:  # removed all the same: its events are queued until then, and dropped
        log.warning("could not unbind a removed subscription", subscription=found.id, error=repr(exc)[:200])
    return reply(SubscriptionOut.of(found))
