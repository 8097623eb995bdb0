"""Settings every service shares; each service's own class nests these under `bus`."""

from __future__ import annotations

from typing import Any

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class StartupError(RuntimeError):
    """A dependency missing or misconfigured at start-up: its message is the one line the service prints,
    naming the setting to fix."""


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
    log_max_age: str = Field("90D", description=(
        "how long the release log keeps events (stream x-max-age); the database keeps them for good"))
    log_max_bytes: int | None = Field(None, ge=1, description=(
        "bound the release log by size too (stream x-max-length-bytes); default none: age only"))
    log_segment_bytes: int | None = Field(None, ge=1, description=(
        "stream segment size (x-stream-max-segment-size-bytes): the unit the log is trimmed by; default "
        "RabbitMQ's 500 MB"))
    queue_prefix: str = Field("greenlight.", description="prefix of each service's own queue name")
    prefetch: int = Field(16, ge=1, description="unacked messages a service holds at once")
    delivery_limit: int = Field(5, ge=1, description=(
        "deliveries of one message before the service fails its release and dead-letters it; the queue's own "
        "x-delivery-limit is 3 more, for give-ups that cannot settle"))
    def log_arguments(self) -> dict[str, Any]:
        arguments: dict[str, Any] = {"x-queue-type": "stream", "x-max-age": self.log_max_age}
        if self.log_max_bytes is not None:
            arguments["x-max-length-bytes"] = self.log_max_bytes
        if self.log_segment_bytes is not None:
            arguments["x-stream-max-segment-size-bytes"] = self.log_segment_bytes
        return arguments

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
