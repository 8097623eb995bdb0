"""Settings every service shares; each service's own class nests these under `bus`."""

from __future__ import annotations

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class BusSettings(BaseSettings):
    """RabbitMQ wiring. `AMQP_URL` has no prefix (the usual name); the rest is `GREENLIGHT_*`."""

    model_config = SettingsConfigDict(env_prefix="GREENLIGHT_", extra="ignore")

    amqp_url: SecretStr = Field(
        SecretStr("amqp://guest:guest@127.0.0.1:5672/"),
        validation_alias=AliasChoices("AMQP_URL", "GREENLIGHT_AMQP_URL"),
        description="broker URL; a secret because it may carry a password",
    )
    exchange: str = Field("greenlight.events", description="durable topic exchange for release events")
    dead_letter_exchange: str = Field("greenlight.dlx", description="where unusable messages go")
    dead_letter_queue: str = Field("greenlight.dead", description="queue that keeps dead letters for people")
    log_stream: str = Field("greenlight.log", description="stream queue: the replayable release log")
    log_max_age: str = Field("90D", description="how long the release log keeps events (stream x-max-age)")
    queue_prefix: str = Field("greenlight.", description="prefix of each service's own queue name")
    prefetch: int = Field(16, ge=1, description="unacked messages a service holds at once")
    delivery_limit: int = Field(5, ge=1, description=(
        "deliveries of one message before the service fails its release and dead-letters it; the queue's own "
        "x-delivery-limit is 3 more, for give-ups that cannot settle"))
    publish_timeout: float = Field(10.0, gt=0, description="seconds a publish may wait for its confirm")
    connect_timeout: float = Field(15.0, gt=0, description="seconds the first connection may take")
    grace_period: float = Field(30.0, ge=0, description="seconds in-flight work may take after SIGTERM")


class LogSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GREENLIGHT_LOG_", extra="ignore")

    level: str = Field("INFO", description="log level")
    json_output: bool | None = Field(
        None, validation_alias=AliasChoices("GREENLIGHT_LOG_JSON"),
        description="JSON lines (true) or console (false); default: console on a TTY, JSON otherwise",
    )
