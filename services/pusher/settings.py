"""The pusher's settings: `GREENLIGHT_PUSHER_*`; AWS itself is configured the standard AWS way."""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.shared.registry.settings import RegistryAccess
from services.shared.settings import BusSettings


class PusherSettings(RegistryAccess):
    """The registry fields (`registry`, `registry_auth`, ...) are `RegistryAccess`'s."""

    model_config = SettingsConfigDict(env_prefix="GREENLIGHT_PUSHER_", extra="ignore")

    port: int = Field(8102, ge=1, le=65535, description="HTTP port for /healthz, /readyz and /metrics")
    docker_host: str | None = Field(
        None, description="engine API URL (the builder's engine); default: DOCKER_HOST or the Docker socket",
    )
    ecr_create_repositories: bool = Field(True, description="ecr: create a missing repository (default on)")
    ecr_tag_mutability: Literal["MUTABLE", "IMMUTABLE"] = Field(
        "IMMUTABLE", description="ecr: tag mutability of repositories it creates (default IMMUTABLE: tags "
                                 "are commits, they never move)",
    )
    push_timeout: float = Field(900.0, gt=0, description="seconds one push may take (default 900)")
    engine_timeout: float = Field(
        60.0, gt=0, description="seconds the engine may take to answer an image inspect or tag (default 60)")
    progress_interval: float = Field(
        0.25, gt=0, description="seconds between push progress messages at most (default 0.25)")
    bus: BusSettings = Field(default_factory=BusSettings, description="broker settings (GREENLIGHT_*)")
