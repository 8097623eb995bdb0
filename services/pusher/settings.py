"""The pusher's settings: `GREENLIGHT_PUSHER_*`; AWS itself is configured the standard AWS way."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.shared.settings import BusSettings


class PusherSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GREENLIGHT_PUSHER_", extra="ignore")

    port: int = Field(8102, description="HTTP port for /healthz, /readyz and /metrics")
    docker_host: str | None = Field(
        None, description="engine API URL (the builder's engine); default: DOCKER_HOST or the Docker socket",
    )
    registry_auth: Literal["static", "ecr"] = Field(
        "static", description="'static': `registry` with username/password or token; 'ecr': Amazon ECR",
    )
    registry: str = Field(
        "127.0.0.1:5001", description="static: host[:port][/namespace] images are pushed to",
    )
    registry_username: str | None = Field(None, description="static: registry user (default: anonymous)")
    registry_password: SecretStr | None = Field(None, description="static: that user's password")
    registry_token: SecretStr | None = Field(
        None, description="static: a registry bearer token instead of username/password")
    registry_scheme: Literal["auto", "https", "http"] = Field(
        "auto", description="scheme of the registry's v2 API; auto: http for loopback hosts, else https",
    )
    aws_region: str | None = Field(None, description="ecr: region (default: the AWS chain, e.g. AWS_REGION)")
    ecr_registry_id: str | None = Field(None, description="ecr: registry's account id (default: caller's)")
    ecr_create_repositories: bool = Field(True, description="ecr: create a missing repository (default on)")
    ecr_tag_mutability: Literal["MUTABLE", "IMMUTABLE"] = Field(
        "IMMUTABLE", description="ecr: tag mutability of repositories it creates (default IMMUTABLE: tags "
                                 "are commits, they never move)",
    )
    ecr_registry_override: str | None = Field(
        None, description="ecr: push to this host[:port] instead of the token's proxyEndpoint. For tests: "
                          "moto serves the ECR API but cannot hold image layers, so a registry stands in",
    )
    push_timeout: float = Field(900.0, gt=0, description="seconds one push may take (default 900)")
    progress_interval: float = Field(
        0.25, gt=0, description="seconds between push progress messages at most (default 0.25)")
    http_timeout: float = Field(30.0, gt=0, description="seconds one registry API call may take")
    bus: BusSettings = Field(default_factory=BusSettings, description="broker settings (GREENLIGHT_*)")
