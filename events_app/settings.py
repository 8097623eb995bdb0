"""Runtime configuration, read once from the environment at start-up."""

from __future__ import annotations

import re
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every knob of the app; the env var of each field is its name in upper case."""

    # Inputs stay out of error messages: EVENTS_REDIS_URL may carry a password, and a crash log would show it.
    model_config = SettingsConfigDict(case_sensitive=False, extra="ignore", frozen=True, hide_input_in_errors=True)

    port: int = Field(8080, ge=1, le=65535, description="TCP port the HTTP server listens on (PORT).")
    host: str = Field(
        "0.0.0.0",
        description="Interface to bind (HOST); all interfaces so a container port mapping reaches it.",
    )
    app_color: Literal["blue", "green"] = Field(
        "blue", description="Deployment colour shown in the banner and in /api/events (APP_COLOR)."
    )
    app_version: str = Field("dev", description="Commit this build came from, shown next to the colour (APP_VERSION).")
    ticketmaster_api_key: SecretStr | None = Field(
        None,
        description="Discovery API consumer key (TICKETMASTER_API_KEY). Unset: serve the bundled sample.",
    )
    ticketmaster_base_url: str = Field(
        "https://app.ticketmaster.com/discovery/v2",
        pattern=r"^https?://\S+$",
        description="Discovery API root; the client calls {base}/events.json (TICKETMASTER_BASE_URL).",
    )
    ticketmaster_country_code: str = Field(
        "US",
        pattern=r"^[A-Z]{2}$",
        description="ISO 3166 country used when a request has no countryCode (TICKETMASTER_COUNTRY_CODE).",
    )
    ticketmaster_connect_timeout: float = Field(
        3.0, gt=0, description="Seconds allowed to open a connection to the API."
    )
    ticketmaster_timeout: float = Field(
        10.0, gt=0,
        description="Seconds allowed for one API call, rate-limit wait included; a refresh's later pages stop this"
        " long after its start.",
    )
    ticketmaster_max_rps: float = Field(
        5.0, gt=0, description="Ceiling on API calls per second; Ticketmaster's default quota is 5/s."
    )
    events_cache_ttl: float = Field(
        60.0, ge=0, description="Seconds a fetched result is served before it is fetched again."
    )
    events_stale_retry: float = Field(
        10.0, ge=0, description="Seconds stale data is served after a failed refresh before the API is tried again."
    )
    events_stale_wait: float = Field(
        1.0, ge=0, description="Seconds the request starting such a retry waits for it before stale data is served."
    )
    events_partial_ttl: float = Field(
        5.0, ge=0, description="Seconds a partial result (a later page failed) is served before it is fetched again."
    )
    events_search_budget: int = Field(
        40, ge=0,
        description="Ticketmaster calls allowed per EVENTS_SEARCH_WINDOW for queries other than the default one;"
        " past it a search is a 503 with Retry-After. 40/h is 960 a day per replica: with two colours and the"
        " default query at one call a minute (1,440 a day) each, under Ticketmaster's 5,000. With EVENTS_REDIS_URL"
        " the budget, the rate ceiling and the fetched results are shared by every replica instead: 960 + 1,440 a"
        " day in all, however many replicas run.",
    )
    events_search_window: float = Field(
        3600.0, gt=0, description="Seconds of the window EVENTS_SEARCH_BUDGET counts calls in."
    )
    events_redis_url: SecretStr | None = Field(
        None,
        description="redis://[:password@]host:port/db shared by every replica on this API key (EVENTS_REDIS_URL)."
        " Unset: each process keeps its own budget, rate ceiling and cache, as N processes spending N allowances."
        " Set: one allowance for all; while Redis is unreachable each process falls back to its own (one warning"
        " line) and uses Redis again once it answers. A secret: it may carry a password, and is never logged.",
    )
    events_redis_prefix: str = Field(
        "greenlight:events:", min_length=1,
        description="Start of every Redis key; replicas with the same prefix and API key share one allowance.",
    )
    events_redis_timeout: float = Field(
        0.5, gt=0, description="Seconds one Redis call may take before the process decides on its own."
    )
    events_redis_share_results: bool = Field(
        True, description="With EVENTS_REDIS_URL, also share fetched results: one upstream call per TTL in all."
    )
    events_cache_max_entries: int = Field(
        512, ge=1, description="Distinct queries kept (fresh or stale); the least recently used go first."
    )
    events_page_size: int = Field(
        50, ge=1, le=200, description="Events asked for per API page while filling the top 20."
    )
    events_max_pages: int = Field(
        5, ge=1, description="Pages fetched at most per refresh, bounding refresh time at the rate limit."
    )
    shutdown_timeout: float = Field(10.0, ge=0, description="Seconds in-flight requests get to finish after SIGTERM.")
    access_log: bool = Field(False, description="Log every request; off since /metrics counts them.")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", description="Lowest level of log lines written to stdout."
    )

    @field_validator("ticketmaster_api_key", "events_redis_url", mode="before")
    @classmethod
    def _blank_key_is_no_key(cls, value: object) -> object:
        # An empty TICKETMASTER_API_KEY= in a manifest means "not configured", not "key ''"; a Secret made from a
        # file ends in a newline, which is no part of the key (sent as %0A, every call was a 401).
        if isinstance(value, str):
            return value.strip() or None
        return value

    @field_validator("events_redis_url")
    @classmethod
    def _redis_scheme(cls, value: SecretStr | None) -> SecretStr | None:
        # After parsing, so a refusal shows the value masked: the URL may carry a password.
        if value is not None and not value.get_secret_value().startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("EVENTS_REDIS_URL must start with redis://, rediss:// or unix://")
        if value is not None and not _one_server(value.get_secret_value()):
            # Else the parser reads part of the password as the port (its error quotes it) or the host (logged).
            raise ValueError("EVENTS_REDIS_URL does not parse as one server: percent-encode / ? # @ in its password")
        return value

    @field_validator("ticketmaster_base_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @field_validator("ticketmaster_country_code", "log_level", mode="before")
    @classmethod
    def _upper_case(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value


def _one_server(url: str) -> bool:
    """Whether the URL reads as one server: no part of its password taken for the port, the host or the path."""
    parts = urlsplit(url)
    if parts.fragment:
        return False
    if parts.scheme == "unix":  # the socket's path; a password goes in the query
        return True
    try:
        _ = parts.port  # a port that is not a number raises
    except ValueError:
        return False
    return bool(parts.hostname) and re.fullmatch(r"(/\d*)?", parts.path) is not None and "@" not in parts.query
