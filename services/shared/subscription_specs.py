"""What a notification subscription is: who wants which release events, where, signed with which secret; as set
through the API (`SubscriptionSpec`), in GREENLIGHT_NOTIFIER_SUBSCRIPTIONS (`EnvironmentSubscription`), and as the
notifier delivers to it, with its state (`Subscription`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, SecretStr, StringConstraints, field_validator

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

    @field_validator("url", mode="before")
    @classmethod
    def _one_piece(cls, url: object) -> object:
        # The URL parser (WHATWG's rules) drops tabs and line breaks inside a URL without a word: a second line
        # pasted with it (a secret, a note) was joined to the path and sent with every delivery. Not shown: a
        # receiver's URL is its credential.
        if isinstance(url, str) and any(c.isspace() or not c.isprintable() for c in url.strip()):
            raise ValueError("a space, line break or control character inside the URL; give the URL alone")
        return url

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
    """A spec with its state (subscription_states.py): where it was set, whether it is disabled (its receiver said
    it is gone, 410, or an admin paused it), the secret a rotation replaced, which signs beside the new one until
    `previous_secret_until`."""

    source: Literal["api", "environment"] = "api"
    disabled_at: datetime | None = None
    disabled_reason: str | None = None
    previous_secret: SecretStr | None = None
    previous_secret_until: datetime | None = None
    enabled_at: datetime | None = None  # the last enable: a 410 answered before it disables nothing

    def signing_secrets(self, now: datetime | None = None) -> tuple[str, ...]:
        """The secrets a delivery is signed with now: the current one first."""
        current = self.secret.get_secret_value()
        until, previous = self.previous_secret_until, self.previous_secret
        if previous is None or until is None or until <= (now or utcnow()):
            return (current,)
        return current, previous.get_secret_value()
