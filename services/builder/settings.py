"""The builder's settings: `GREENLIGHT_BUILDER_*` (plus `GREENLIGHT_ALLOW_LOCAL_REPOS`)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import SettingsConfigDict

from services.shared.registry.settings import RegistryAccess
from services.shared.repo_policy import RepositorySettings
from services.shared.settings import BusSettings

LintLevel = Literal["error", "warning", "info", "style"]


class BuilderSettings(RegistryAccess):
    """The target registry's fields (`registry_auth`, `registry_username`, ...: `RegistryAccess`) let the
    builder find an image it built before in the registry; read access is enough."""

    model_config = SettingsConfigDict(env_prefix="GREENLIGHT_BUILDER_", extra="ignore", populate_by_name=True)

    port: int = Field(8101, ge=1, le=65535, description="HTTP port for /healthz, /readyz and /metrics")
    registry: str = Field(
        "127.0.0.1:5001",
        description="registry (host[:port][/namespace]) images are tagged for: <registry>/<image>:<commit>",
    )
    registry_lookup: bool = Field(
        True, description="before building, look for an image with the same build key in the target registry "
                          "(tag <image>:<commit>, config label) and reuse it; default on",
    )
    allow_local_repos: bool = Field(
        False,
        validation_alias=AliasChoices("GREENLIGHT_ALLOW_LOCAL_REPOS", "GREENLIGHT_BUILDER_ALLOW_LOCAL_REPOS"),
        description="accept local paths and file:// repositories (the local demo needs this); default off",
    )
    docker_host: str | None = Field(
        None, description="engine API URL, e.g. unix:///run/podman/podman.sock; default: DOCKER_HOST or "
                          "the default Docker socket",
    )
    git_binary: str = Field("git", description="git executable")
    clone_timeout: float = Field(120.0, gt=0, description="seconds a clone may take (default 120)")
    shipped_commits: int = Field(200, ge=1, le=1000, description=(
        "most commits a release's `built` records as shipped (since the commit live when it was requested; its "
        "lead time counts each), default 200: the newest kept past it; the history is fetched this many "
        "generations deep, commits only. 1,000 at most (about 75 kB of event)"))
    history_timeout: float = Field(20.0, gt=0, description=(
        "seconds fetching that history may take after the build (default 20); past it, or on any failure, the "
        "release's own commit alone is recorded, and the build stands"))
    max_repo_bytes: int = Field(
        512 * 1024 * 1024, gt=0, description="largest checkout (objects + work tree), bytes (default 512 MiB)"
    )
    max_context_bytes: int = Field(
        512 * 1024 * 1024, gt=0, description="largest build context in bytes (default 512 MiB)"
    )
    work_root: Path | None = Field(
        None, description="where clones go (default: system temp dir); stale ones are removed at start"
    )
    hadolint_binary: str | None = Field(
        None, description="hadolint executable; default: next to the Python interpreter, else on PATH"
    )
    lint_threshold: LintLevel = Field(
        "error", description="findings at/above this level fail the release (error > warning > info > style)"
    )
    lint_ignore: list[str] = Field(
        default_factory=list, description="hadolint rules (e.g. DL3008) whose findings never count; "
                                          "recorded as ignored in the release (JSON list, default none)",
    )
    lint_trusted_registries: list[str] = Field(
        default_factory=list, description="registries FROM may use (hadolint DL3026; JSON list); default: any",
    )
    lint_repository_config: bool = Field(
        False, description="honour the repository's own .hadolint.yaml `ignored` list and inline "
                           "`# hadolint ignore=` pragmas; default false: the operator's policy alone counts",
    )
    lint_timeout: float = Field(60.0, gt=0, description="seconds hadolint may take (default 60)")
    lint_max_memory: int = Field(1024 * 1024 * 1024, ge=16 * 1024 * 1024, description=(
        "bytes of heap hadolint may use (default 1 GiB; GHC's `-M`, through GHCRTS): one RUN of a few thousand "
        "continuation lines took it past 20 GB. Past it, the release fails at `lint`"))
    build_args: dict[str, str] = Field(
        default_factory=dict, description=(
            "build args for every build (JSON); an app's build_args win. Not a place for a secret: as with "
            "`docker build --build-arg`, the engine records the args a RUN step used in the image's history, which "
            "the pusher pushes (Greenlight masks them in its logs and progress all the same)")
    )
    build_timeout: float = Field(1500.0, gt=0, description=(
        "seconds one engine build may take (default 1500): with the clone and lint the message is held longer, and "
        "RabbitMQ closes a channel holding one past its consumer_timeout (30 min by default), redelivering it to "
        "build again; keep this under that"))
    engine_timeout: float = Field(
        60.0, gt=0, description="seconds the engine may take to answer an image inspect or its ping (default 60)")
    progress_interval: float = Field(
        0.25, gt=0, description="seconds between build progress messages at most (default 0.25)")
    log_tail_lines: int = Field(40, ge=1, description="build log lines attached to a failure (default 40)")
    keep_images: int = Field(10, ge=0, description=(
        "images of an app the engine keeps (default 10; 0 = never remove any): after each build of the app its "
        "older images built by Greenlight (its labels) are removed, never forced, so one a container uses stays; "
        "the one just built is always kept, so a push still queued for an older one needs this above the pushes "
        "that may wait at once"))
    prune_timeout: float = Field(60.0, gt=0, description=(
        "seconds the removal of an app's old images may take after a build (default 60); what is left then "
        "goes after the next build. It holds the release's message (not its `built` event): clone + lint + "
        "build + this timeout stay under the broker's consumer_timeout (30 min)"))
    repository: RepositorySettings = Field(
        default_factory=RepositorySettings, description="which repositories may be used (GREENLIGHT_REPOSITORY_*)"
    )
    bus: BusSettings = Field(default_factory=BusSettings, description="broker settings (GREENLIGHT_*)")
