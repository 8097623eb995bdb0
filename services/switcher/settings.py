"""The switcher's settings: `GREENLIGHT_SWITCHER_*`, plus the shared bus and Kubernetes ones."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.shared.db.settings import DatabaseSettings
from services.shared.kube.settings import KubeSettings
from services.shared.platforms import PlatformSettings
from services.shared.settings import BusSettings, Duration


class SwitcherSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GREENLIGHT_SWITCHER_", extra="ignore")

    port: int = Field(8104, ge=1, le=65535, description="HTTP port of /healthz, /readyz and /metrics")
    scale_down_delay: float = Field(
        600.0, ge=0, allow_inf_nan=False,
        description="seconds the old colour stays warm (instant rollback) before scaling to 0 (finite)"
    )
    ready_timeout: float = Field(
        300.0, gt=0, description="seconds a colour may take to be ready before a switch fails or a rollback is refused"
    )
    put_back_budget: Duration = Field(timedelta(hours=24), description=(
        "how long the switcher keeps trying to put the previous release back while a release that failed after "
        "its approval may serve live traffic (the cluster away), instead of GREENLIGHT_RETRY_BUDGET: a failed "
        "release serving users is an outage; each retry past GREENLIGHT_RETRY_BUDGET logs an error, and so does "
        "the end of this one; `90m`, `24h`, `PT24H` or seconds (default 24h)"))
    hold_release_budget: Duration = Field(timedelta(hours=24), description=(
        "how long the switcher keeps trying, the cluster away, to let go of the warm colour a rollback held for its "
        "flip once that rollback is given up (until then new releases of the app fail at deploy), instead of "
        "GREENLIGHT_RETRY_BUDGET; each retry past that logs an error, and so does the end of this one; `90m`, "
        "`24h`, `PT24H` or seconds (default 24h)"))
    timer_queue: str | None = Field(
        None, description="delay queue holding scale-down timers; default: <queue_prefix>switcher.timers"
    )
    kube: KubeSettings = Field(default_factory=KubeSettings)
    platform: PlatformSettings = Field(default_factory=PlatformSettings,
                                       description="GREENLIGHT_PLATFORM: local | kubernetes | auto")
    bus: BusSettings = Field(default_factory=BusSettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings,
                                       description="GREENLIGHT_DATABASE_URL: the read model it shares with the API")

    def timer_queue_name(self) -> str:
        return self.timer_queue or f"{self.bus.queue_prefix}switcher.timers"
