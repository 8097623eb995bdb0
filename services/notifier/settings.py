"""The notifier's settings: `GREENLIGHT_NOTIFIER_*`, plus the shared bus ones."""

from __future__ import annotations

from pydantic import AnyHttpUrl, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.shared.db.settings import DatabaseSettings
from services.shared.notified import notifier_queue
from services.shared.settings import BusSettings
from services.shared.subscriber_hosts import DESCRIPTION, AllowedHosts
from services.shared.subscriptions import SubscriptionSpec


class NotifierSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GREENLIGHT_NOTIFIER_", extra="ignore", populate_by_name=True)

    port: int = Field(8105, ge=0, le=65535, description="HTTP port of /healthz, /readyz, /metrics, /deliveries")
    database: DatabaseSettings = Field(
        default_factory=DatabaseSettings,
        description="GREENLIGHT_DATABASE_URL: the release database, which holds subscriptions and delivery records",
    )
    subscriptions: list[SubscriptionSpec] = Field(
        default_factory=list,
        description='JSON list of {"id", "url", "secret", "apps", "states", "format"}, besides those added '
                    "through the API; default none",
    )
    retry_delays: list[float] = Field(
        [1.0, 5.0, 30.0, 120.0, 600.0], min_length=1,
        description="seconds before each retry of a failed delivery, one broker delay queue each; after the "
                    "last the delivery is recorded failed; default 1, 5, 30, 120, 600",
    )
    timeout: float = Field(10.0, gt=0, description="seconds one delivery POST may take; default 10")
    rebind_interval: float = Field(
        60.0, gt=0, description="seconds between re-bindings of the queue to every subscription's events (mends "
                                "one whose API replica died before binding it); default 60",
    )
    source: str = Field("/greenlight", description="CloudEvents `source` prefix (then /<app>); default /greenlight")
    api_url: AnyHttpUrl | None = Field(
        None, description="public URL of the approval API, for links in Slack messages; default none (no links)",
    )
    # The API reads the same variable (subscriber_hosts.SubscriberHostSettings) for its early 422.
    allow_private_hosts: AllowedHosts = Field(default_factory=list, description=DESCRIPTION)
    bus: BusSettings = Field(default_factory=BusSettings)

    def retry_queue(self, level: int) -> str:
        return f"{self.bus.queue_prefix}notifier.retry.{level}"

    @property
    def work_queue(self) -> str:
        return notifier_queue(self.bus)
