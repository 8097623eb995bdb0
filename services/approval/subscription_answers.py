"""What the subscriptions API answers: a subscription as an admin sees it (secret never, URL masked), its path."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import AnyHttpUrl, BaseModel, Field

from services.approval.params import Params
from services.shared.protocol import ReleaseState
from services.shared.release import AppName
from services.shared.subscription_urls import masked_url
from services.shared.subscriptions import Subscription, SubscriptionId, SubscriptionSpec

ENVIRONMENT = "GREENLIGHT_NOTIFIER_SUBSCRIPTIONS"


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
    source: Literal["api", "environment"] = Field(
        "api", description=f"where it is set: through this API, or in the notifier's {ENVIRONMENT} (which this API "
                           "neither takes the id of nor removes)")
    disabled_at: datetime | None = Field(None, description=(
        "when its receiver answered 410 Gone, or an admin disabled it (`POST /subscriptions/{id}/disable`): nothing "
        "is sent to it since, until `POST /subscriptions/{id}/enable`"))
    disabled_reason: str | None = Field(None, description=(
        "why: `HTTP 410 Gone`, or `disabled by <admin>` and the reason they gave"))
    previous_secret_expires_at: datetime | None = Field(None, description=(
        "until when the secret replaced by the last rotation still signs deliveries beside the current one"))

    @classmethod
    def of(cls, spec: SubscriptionSpec) -> SubscriptionOut:
        state = spec if isinstance(spec, Subscription) else Subscription.model_validate(dict(spec))
        return cls(id=spec.id, url=AnyHttpUrl(masked_url(str(spec.url), spec.format)), apps=spec.apps,
                   states=spec.states, format=spec.format, source=state.source, disabled_at=state.disabled_at,
                   disabled_reason=state.disabled_reason, previous_secret_expires_at=state.previous_secret_until)

    @classmethod
    def of_environment(cls, sid: str, view: dict[str, Any], state: dict[str, Any]) -> SubscriptionOut:
        """One of the environment's, from the view the notifier wrote (its URL masked there already)."""
        return cls(id=sid, url=view["url"], apps=view.get("apps", ()), states=view.get("states", ()),
                   format=view.get("format", "cloudevents"), source="environment",
                   disabled_at=state.get("disabled_at"), disabled_reason=state.get("disabled_reason"))


class SubscriptionList(BaseModel):
    items: list[SubscriptionOut]
