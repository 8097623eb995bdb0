"""The notifier's settings: `GREENLIGHT_NOTIFIER_*`, plus the shared bus ones."""

from __future__ import annotations

from pydantic import AnyHttpUrl, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.shared.db.settings import DatabaseSettings
from services.shared.notified import notifier_queue
from services.shared.settings import BusSettings
from services.shared.subscriber_hosts import DESCRIPTION, AllowedHosts
from services.shared.subscriptions import EnvironmentSubscription, SubscriptionSpec


class NotifierSettings(BaseSettings):
    # hide_input_in_errors: a subscription refused at start (a secret too short) must not be echoed in the error.
    model_config = SettingsConfigDict(env_prefix="GREENLIGHT_NOTIFIER_", extra="ignore", populate_by_name=True,
                                      hide_input_in_errors=True)

    port: int = Field(8105, ge=0, le=65535, description="HTTP port of /healthz, /readyz, /metrics, /deliveries")
    database: DatabaseSettings = Field(
        default_factory=DatabaseSettings,
        description="GREENLIGHT_DATABASE_URL: the release database, which holds subscriptions and delivery records",
    )
    subscriptions: list[EnvironmentSubscription] = Field(
        default_factory=list,
        description='JSON list of {"id", "url", "secret", "apps", "states", "format", "previous_secret"}, besides '
                    "those added through the API (which refuses their ids); `previous_secret` (optional) signs "
                    "beside `secret` while set, for a rotation without a gap; default none",
    )
    retry_delays: list[float] = Field(
        [1.0, 5.0, 30.0, 120.0, 600.0], min_length=1,
        description="seconds before each retry of a failed delivery, one broker delay queue each; after the "
                    "last the delivery is recorded failed; a receiver's Retry-After (on 429, 503) picks the first "
                    "step at least that long, else the longest, repeated up to retry_after_cap; default 1, 5, 30, "
                    "120, 600",
    )
    retry_after_cap: float = Field(
        3600.0, ge=0, le=86400,
        description="the longest Retry-After (on 429, 503) honoured, in seconds: one past the longest retry step is "
                    "waited out at that step again and again on the broker (a restart keeps it), one past this cap "
                    "waits the cap (or the longest step, if longer); at most a day; default 3600 (1 h)",
    )
    timeout: float = Field(10.0, gt=0, description="seconds one delivery POST may take; default 10")
    rebind_interval: float = Field(
        60.0, gt=0, description="seconds between re-bindings of the queue to every subscription's events (mends "
                                "one whose API replica died before binding it); default 60",
    )
    rebind_timeout: float | None = Field(
        None, gt=0, description="seconds a re-binding round (this replica's configuration seen, the environment's "
                                "subscriptions written, the queue bound) is waited for: past it, one warning line, "
                                "its database part is cancelled, its bindings are left to end (no other starts "
                                "before they have), and the next interval's round runs (a broker or database that "
                                "stopped answering held it, and every later one, for minutes); default "
                                "GREENLIGHT_NOTIFIER_REBIND_INTERVAL: a replica's rounds then end within two "
                                "intervals of each other, within the three that other replicas count it as running",
    )
    broker_timeout: float = Field(
        15.0, gt=0, description="seconds the broker's answer is waited for: at start, each step (the retry queues, "
                                "the work queue and its bindings declared) past it stops the process in one line "
                                "naming this setting (a supervisor starts it again, on a new connection); a look at "
                                "the queue (who consumes it, its lock) past it is left to end with one warning line, "
                                "no other look before it has (cut off, an AMQP call desyncs the connection); a stop "
                                "cuts off a look past it; default 15 (GREENLIGHT_CONNECT_TIMEOUT's)",
    )
    source: str = Field("/greenlight", description="CloudEvents `source` prefix (then /<app>); default /greenlight")
    api_url: AnyHttpUrl | None = Field(
        None, description="public URL of the approval API, for links in Slack messages; default none (no links)",
    )
    # The API reads the same variable (subscriber_hosts.SubscriberHostSettings) for its early 422.
    allow_private_hosts: AllowedHosts = Field(default_factory=list, description=DESCRIPTION)
    bus: BusSettings = Field(default_factory=BusSettings)

    @field_validator("subscriptions", mode="before")
    @classmethod
    def _specs_as_given(cls, value: object) -> object:
        # A SubscriptionSpec given in code (not the environment's JSON) is taken as one without a previous secret.
        if isinstance(value, list | tuple):
            return [dict(v) if isinstance(v, SubscriptionSpec) and not isinstance(v, EnvironmentSubscription)
                    else v for v in value]
        return value

    @field_validator("subscriptions")
    @classmethod
    def _one_subscription_an_id(cls, value: list[EnvironmentSubscription]) -> list[EnvironmentSubscription]:
        # Records, state and retries are kept by id: the second of two entries sharing one was starved silently.
        ids = [subscription.id for subscription in value]
        if twice := sorted({i for i in ids if ids.count(i) > 1}):
            raise ValueError(f"id {twice[0]} is given twice; each subscription needs its own id")
        return value

    @property
    def rebind_bound(self) -> float:
        """Seconds a re-binding round may take."""
        return self.rebind_timeout or self.rebind_interval

    def retry_queue(self, level: int) -> str:
        return f"{self.bus.queue_prefix}notifier.retry.{level}"

    @property
    def work_queue(self) -> str:
        return notifier_queue(self.bus)
