"""Settings every service shares; each service's own class nests these under `bus`."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any

from pydantic import AliasChoices, BeforeValidator, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from yarl import URL

_SHORT_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def _short_duration(value: Any) -> Any:
    """`90s`, `5m`, `1h`, `250ms`, `45` (seconds) besides what pydantic reads (`HH:MM:SS`, ISO 8601 `PT5M`)."""
    if isinstance(value, str) and (match := _SHORT_DURATION.match(value)):
        return timedelta(seconds=float(match.group(1)) * _UNIT_SECONDS[match.group(2) or "s"])
    return value


Duration = Annotated[timedelta, BeforeValidator(_short_duration)]


class StartupError(RuntimeError):
    """A dependency missing or misconfigured at start-up: its message is the one line the service prints,
    naming the setting to fix."""


def _addresses(amqp_url: SecretStr) -> list[str]:
    return [part.strip() for part in amqp_url.get_secret_value().split(",") if part.strip()]


class BusSettings(BaseSettings):
    """RabbitMQ wiring. `AMQP_URL` has no prefix (the usual name); the rest is `GREENLIGHT_*`."""

    model_config = SettingsConfigDict(env_prefix="GREENLIGHT_", extra="ignore")

    amqp_url: SecretStr = Field(
        SecretStr("amqp://guest:guest@127.0.0.1:5672/"),
        validation_alias=AliasChoices("AMQP_URL", "GREENLIGHT_AMQP_URL"),
        description=("broker URL, or the URLs of every node of a cluster separated by commas (tried in turn on "
                     "each connect and reconnect); a secret because it may carry a password"),
    )
    exchange: str = Field("greenlight.events", description="durable topic exchange for release events")
    dead_letter_exchange: str = Field("greenlight.dlx", description="where unusable messages go")
    dead_letter_queue: str = Field("greenlight.dead", description="queue that keeps dead letters for people")
    log_stream: str = Field("greenlight.log", description="stream queue: the replayable release log")
    # RabbitMQ's own form, checked here: the broker refuses any other (`30d`, `1w`, `P30D`) with PRECONDITION_FAILED,
    # which on a new log ended every start in a traceback and on an existing one was taken for a changed bound.
    log_max_age: str = Field("90D", pattern=r"^[0-9]+[YMDhms]$", description=(
        "how long the release log keeps events (stream x-max-age: a number and one of Y, M, D, h, m, s, e.g. 90D); "
        "the database keeps them for good"))
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
    queue_replicas: int | None = Field(None, ge=1, description=(
        "members of each quorum queue and of the release log's stream (x-quorum-initial-group-size, "
        "x-initial-cluster-size); default: the broker's (every node of the cluster, up to its own cap)"))

    partitions: int = Field(0, ge=0, le=64, description=(
        "0 (default): each worker consumes one shared queue (competing consumers). N > 0: each worker's queue "
        "is split into N partitions by app (consistent-hash exchange, RabbitMQ plugin "
        "rabbitmq_consistent_hash_exchange) and each partition is consumed by one replica at a time, so the "
        "releases of one app are handled in order by one process; set it alike on every service "
        "(services/shared/partitions.py)"))
    partition_check_interval: float = Field(0.5, gt=0, description=(
        "seconds between a replica's looks for partitions nobody consumes (the fail-over delay after a "
        "replica dies) and for its fair share of them (default 0.5)"))
    partition_busy_handover_after: float = Field(60.0, ge=0, description=(
        "seconds a replica above its fair share keeps a partition whose messages are still being handled "
        "before it gives it up anyway (default 60): an idle one is given up at the next check, but a busy "
        "one's other apps wait until what it took is done (a build, up to its timeout); 0 gives it up at once"))

    @field_validator("amqp_url")
    @classmethod
    def _broker_addresses(cls, value: SecretStr) -> SecretStr:
        """Each address a URL aiormq can connect to. Unchecked, one without `amqp://` was retried for good, aio-pika
        logging it whole (its password too: without a scheme it parses none) at every attempt; a blank one or a port
        that is no number ended in a traceback. The message never holds the value: it may carry a password."""
        urls = _addresses(value)
        if not urls:
            raise ValueError("no broker address; write amqp://user:password@host:5672/vhost")
        for index, url in enumerate(urls, 1):
            which = f"address {index} of {len(urls)}" if len(urls) > 1 else "the address"
            try:
                parsed = URL(url)
                parsed.port  # noqa: B018 - yarl checks the port when it is read
            except ValueError:
                raise ValueError(f"{which} cannot be read as a URL (a port that is no number from 0 to 65535, "
                                 "a bracket left open); write amqp://user:password@host:5672/vhost") from None
            if parsed.scheme not in ("amqp", "amqps"):
                raise ValueError(f"{which} does not start with amqp:// or amqps://; write "
                                 "amqp://user:password@host:5672/vhost") from None
            if not parsed.host:
                raise ValueError(f"{which} names no host; write amqp://user:password@host:5672/vhost")
        return value

    def amqp_urls(self) -> list[str]:
        """`AMQP_URL` split at its commas: one URL per broker node."""
        return _addresses(self.amqp_url)

    def quorum_arguments(self) -> dict[str, Any]:
        """A quorum queue's type, and its members when `queue_replicas` says how many."""
        arguments: dict[str, Any] = {"x-queue-type": "quorum"}
        if self.queue_replicas is not None:
            arguments["x-quorum-initial-group-size"] = self.queue_replicas
        return arguments

    def log_arguments(self) -> dict[str, Any]:
        arguments: dict[str, Any] = {"x-queue-type": "stream", "x-max-age": self.log_max_age}
        if self.log_max_bytes is not None:
            arguments["x-max-length-bytes"] = self.log_max_bytes
        if self.log_segment_bytes is not None:
            arguments["x-stream-max-segment-size-bytes"] = self.log_segment_bytes
        if self.queue_replicas is not None:
            arguments["x-initial-cluster-size"] = self.queue_replicas
        return arguments

    publish_timeout: float = Field(10.0, gt=0, description="seconds a publish may wait for its confirm")
    connect_timeout: float = Field(15.0, gt=0, description=(
        "seconds the first connection may take, and the broker may stay silent (no answer, no heartbeat) during the "
        "declarations after it, past which the start stops in one line naming this setting (default 15)"))
    grace_period: float = Field(30.0, ge=0, description="seconds in-flight work may take after SIGTERM")
    stop_margin: float = Field(10.0, ge=0, description=(
        "seconds the stop may take past the grace period, for the broker's steps (cancelling consumers, deleting "
        "locks, closing channels and the connection): the whole stop ends within grace_period + stop_margin, so "
        "give the process longer than that before SIGKILL (the manifests: 5 s more; default 10)"))
    retry_budget: Duration = Field(timedelta(minutes=5), description=(
        "how long a step keeps retrying a dependency that is down (engine, registry, git, cluster, HAProxy) "
        "before its release fails; `90s`, `5m`, `PT5M` or seconds (default 5m)"))
    retry_initial_delay: float = Field(1.0, gt=0, description="seconds before the first retry (default 1)")
    retry_max_delay: float = Field(30.0, gt=0, description="longest wait between two retries, seconds (default 30)")
    retry_jitter: float = Field(0.25, ge=0, lt=1, description=(
        "a retry waits its delay minus up to this fraction of it, at random (default 0.25)"))


class LogSettings(BaseSettings):
    # populate_by_name: `LogSettings(json_output=True)` counts too, not only the variable the alias names.
    model_config = SettingsConfigDict(env_prefix="GREENLIGHT_LOG_", extra="ignore", populate_by_name=True)

    level: str = Field("INFO", description="log level")
    json_output: bool | None = Field(
        None, validation_alias=AliasChoices("GREENLIGHT_LOG_JSON"),
        description="JSON lines (true) or console (false); default: console on a TTY, JSON otherwise",
    )
