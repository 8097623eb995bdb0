"""Settings of the approval service: `GREENLIGHT_API_*` from the environment (or a .env file)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, SecretStr, StringConstraints, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.approval.policy import PolicyBounds
from services.shared.db.settings import DatabaseSettings
from services.shared.deadlines import DeadlineSettings
from services.shared.kube.settings import KubeSettings
from services.shared.platforms import PlatformSettings
from services.shared.repo_policy import RepositorySettings
from services.shared.settings import BusSettings


class Role(StrEnum):
    REQUESTER = "requester"
    APPROVER = "approver"
    ADMIN = "admin"


class TokenEntry(BaseModel):
    """One API identity. Only the token's sha256 is configured, so a leaked config leaks no token."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    roles: frozenset[Role]
    token_sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")] = Field(
        description="lowercase hex sha256 of the bearer token"
    )


class ApprovalSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GREENLIGHT_API_", extra="ignore", populate_by_name=True)

    port: int = Field(8000, ge=0, le=65535, description="HTTP port; default 8000")
    tokens: list[TokenEntry] = Field(
        default_factory=list,
        description='JSON list of {"name", "roles", "token_sha256"}; default none',
    )
    tokens_file: Path | None = Field(
        None, description="secrets file holding the same JSON list as `tokens`; default none"
    )
    dev_tokens: bool = Field(
        False, description="add the built-in dev identities (requester-token, approver-token, admin-token); "
                           "default false, never in production",
    )
    caller_key_secret: SecretStr | None = Field(
        None, min_length=16, description=(
            "keys the hash that stands for a token in events (a requester's and an approver's caller key, which a "
            "rename leaves alone): set, a reader of a release's history cannot check guessed tokens against it "
            "offline; keep it as long as the tokens (changing it unlinks earlier keys); default none: a fixed label"))
    allow_admin_self_approval: bool = Field(
        False, description="let an admin approve a release they requested (recorded as an override); "
                           "default false",
    )
    allow_local_repos: bool = Field(
        False,
        validation_alias=AliasChoices("GREENLIGHT_ALLOW_LOCAL_REPOS", "GREENLIGHT_API_ALLOW_LOCAL_REPOS"),
        description="accept local paths and file:// repositories; default false",
    )
    require_decision_comment: bool = Field(
        False, description="approve and reject need a comment (the reason, for the audit trail); default false",
    )
    gate_catch_up: float = Field(
        2.0, ge=0, description=(
            "seconds a decision on a release still on its way to the gate waits for this API's read model: a "
            "client that saw awaiting_approval on the log (AMQP) may act before the database folded it; "
            "default 2"))
    unechoed_after: float = Field(
        15.0, ge=0, description=(
            "seconds after which an event the API recorded but the log has not echoed (a publish that timed out, "
            "or the API stopped in between) is published again by the next request that meets it; default 15"))
    resolve_timeout: float = Field(
        10.0, gt=0, description="seconds resolving a ref (DNS + `git ls-remote`) may take before the API "
                                "answers 504; default 10",
    )
    subscription_bind_timeout: float = Field(5.0, gt=0, le=600, description=(
        "seconds POST /subscriptions waits for the broker to bind the new subscription's events to the notifier's "
        "queue, and DELETE to unbind a removed one's: past it POST answers 503 with Retry-After (not added) and "
        "DELETE removes it all the same; the broker call is left to end, then the bindings are made to match the "
        "database; default 5 (the CLI waits 15 s for an answer)"))
    max_body_bytes: int = Field(64 * 1024, ge=1024, description="largest request body; default 64 KiB")
    body_read_seconds: float = Field(30.0, gt=0, le=600, description=(
        "seconds any request body (JSON, a Slack press, a git webhook body up to GREENLIGHT_HOOKS_SMALL_BODY_BYTES) "
        "may take to arrive, from when its read starts; a slower sender is answered 408 and its connection closed "
        "(a larger webhook body keeps GREENLIGHT_HOOKS_LARGE_BODY_SECONDS); default 30"))
    header_read_seconds: float = Field(20.0, gt=0, le=600, description=(
        "seconds a request's line and headers may take to arrive: from when the connection opens for its first "
        "request, from the first byte for a later one (idle keep-alive time is not counted); a slower sender is "
        "answered 408 and closed, one that sent nothing is closed; default 20"))
    max_connections: int = Field(1000, ge=1, le=1_000_000, description=(
        "HTTP connections open at once (event streams included); at the ceiling the oldest idle keep-alive "
        "connection is closed for a new one, and with none idle the new one is closed at once (counted in "
        "greenlight_http_connections_closed_total); the open-files limit (RLIMIT_NOFILE) is raised to fit it, or the "
        "API does not start; default 1000"))
    sse_ping_interval: float = Field(15.0, gt=0, description="seconds between SSE keep-alive comments")
    # Below max_connections: at the stream ceiling a client's approve or POST still finds a connection.
    sse_max_streams: int = Field(900, ge=1, description="event streams open at once, in total; beyond: 429 with "
                                                        "Retry-After; below GREENLIGHT_API_MAX_CONNECTIONS, so "
                                                        "commands still get a connection; default 900")
    sse_max_streams_per_identity: int = Field(
        20, ge=1, description="event streams one identity may hold open; beyond: 429; default 20")
    stream_ticket_ttl: float = Field(30.0, gt=0, le=300, description="seconds a stream ticket stays valid "
                                                                      "(single use); default 30")
    repository: RepositorySettings = Field(
        default_factory=RepositorySettings, description="which repositories may be used (GREENLIGHT_REPOSITORY_*)"
    )
    colour_facts: bool = Field(
        False, description="GET /apps/{app} reads each colour's ready/desired replicas from the platform (the "
                           "deployer's GREENLIGHT_PLATFORM, GREENLIGHT_LOCAL_* / GREENLIGHT_KUBE_* settings; read "
                           "access is enough); default false: `colours` is null",
    )
    colour_facts_timeout: float = Field(
        2.0, gt=0, description="seconds that platform read may take before `colours` is left out; default 2")
    kube: KubeSettings = Field(default_factory=KubeSettings, description="GREENLIGHT_KUBE_*, for colour_facts")
    platform: PlatformSettings = Field(default_factory=PlatformSettings,
                                       description="GREENLIGHT_PLATFORM, for colour_facts")
    bus: BusSettings = Field(default_factory=BusSettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings,
                                       description="GREENLIGHT_DATABASE_URL: where releases and their history live")
    deadlines: DeadlineSettings = Field(default_factory=DeadlineSettings,
                                        description="step deadlines, GREENLIGHT_DEADLINE_* (see shared/deadlines.py)")
    policy: PolicyBounds = Field(default_factory=PolicyBounds, description=(
        "bounds on every app's approval policy, GREENLIGHT_API_POLICY_* (see approval/policy.py)"))

    @model_validator(mode="after")
    def _streams_leave_connections_for_commands(self) -> ApprovalSettings:
        if self.sse_max_streams >= self.max_connections:  # streams would take every connection, approvals none
            raise ValueError(f"GREENLIGHT_API_SSE_MAX_STREAMS ({self.sse_max_streams}) must be below "
                             f"GREENLIGHT_API_MAX_CONNECTIONS ({self.max_connections}), so that commands still get "
                             "a connection while every stream is open")
        return self
