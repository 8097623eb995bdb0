"""The deployer's settings: `GREENLIGHT_DEPLOYER_*`, plus the shared bus and Kubernetes ones."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from services.shared.kube.settings import KubeSettings
from services.shared.platforms import PlatformSettings
from services.shared.settings import BusSettings


class DeployerSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GREENLIGHT_DEPLOYER_", extra="ignore")

    port: int = Field(8103, ge=1, le=65535, description="HTTP port of /healthz, /readyz and /metrics")
    rollout_timeout: float | None = Field(
        None, gt=0,
        description="seconds to wait for the standby to be ready; default: the progress deadline + 30 s, "
                    "so the cluster's own ProgressDeadlineExceeded reason is what a failure reports",
    )
    progress_interval: float = Field(
        0.5, gt=0, description="seconds between rollout progress messages at most (default 0.5)")
    shared_secrets: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="comma-separated secrets (Kubernetes Secrets, or sections of the local secrets file) any app's "
                    "secret_env may name besides its own (`<app>`, `<app>-*`); default none",
    )
    kube: KubeSettings = Field(default_factory=KubeSettings)
    platform: PlatformSettings = Field(default_factory=PlatformSettings,
                                       description="GREENLIGHT_PLATFORM: local | kubernetes | auto")
    bus: BusSettings = Field(default_factory=BusSettings)

    @field_validator("shared_secrets", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        return [name.strip() for name in value.split(",") if name.strip()] if isinstance(value, str) else value

    def ready_timeout(self) -> float:
        return self.rollout_timeout or self.kube.progress_deadline + 30.0
